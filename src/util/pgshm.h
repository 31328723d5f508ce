/* PostgreSQL's small SysV shared memory segment: a killed postmaster leaves it behind,
 * and its id is on line 7 of postmaster.pid. Whoever removes a data directory (teardown,
 * a node rebuild, a restored server) removes the segment first. */
#ifndef PGDRILL_UTIL_PGSHM_H
#define PGDRILL_UTIL_PGSHM_H

/* Removes the segment named in DATA_DIR/postmaster.pid if no process has it attached. */
void pgshm_remove(const char *data_dir);

#endif
