#include "cli/common.h"

#include <stdio.h>

int cli_load_lab(struct lab *lab, const char *path)
{
        struct diag_list dl;
        int rc;

        diag_list_init(&dl, path);
        rc = lab_load_file(lab, path, &dl);
        if (rc < 0) {
                diag_print(&dl, stderr);
                fprintf(stderr, "%s: %zu problem%s; nothing was changed\n", path, dl.count,
                        dl.count == 1 ? "" : "s");
        }
        diag_list_free(&dl);
        return rc;
}
