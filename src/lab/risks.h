/* Lab settings that validate but are known to defeat what they are there for. They are
 * warnings, not errors: a drill may want to show exactly that. */
#ifndef PGDRILL_LAB_RISKS_H
#define PGDRILL_LAB_RISKS_H

#include <stddef.h>

#include "lab/model.h"
#include "util/diag.h"

/* Adds one diagnostic per risk found to DL (printed with diag_print_warnings); returns
 * how many. */
size_t lab_risks(const struct lab *lab, struct diag_list *dl);

#endif
