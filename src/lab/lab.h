/* Loading a lab: read the file, parse YAML, apply the field tables, fill derived defaults
 * (addresses, listeners) and validate. Every problem goes to the diagnostics list. */
#ifndef PGDRILL_LAB_LAB_H
#define PGDRILL_LAB_LAB_H

#include <stddef.h>

#include "lab/model.h"
#include "util/diag.h"

/* 0 when the lab is usable; -1 with diagnostics otherwise (and `lab` freed). */
int lab_load_buffer(struct lab *lab, const char *data, size_t len, struct diag_list *dl);
/* As above from a file; a file that cannot be read is one diagnostic without position. */
int lab_load_file(struct lab *lab, const char *path, struct diag_list *dl);
/* As lab_load_file, with one value set over the file's: "repmgr.reconnect_attempts=2"
 * (a --matrix run), checked like the file's own. */
int lab_load_file_set(struct lab *lab, const char *path, const char *set, struct diag_list *dl);
void lab_free(struct lab *lab);

/* Derived defaults; part of loading, exposed for tests. */
void lab_resolve(struct lab *lab);
/* Semantic rules across fields; returns the number of problems added. */
size_t lab_validate(const struct lab *lab, struct diag_list *dl);

#endif
