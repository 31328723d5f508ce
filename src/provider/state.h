/* The lab's state file: one line per resource, written (and synced) *before* the resource
 * is created, so that `pgdrill down` finds everything even after `up` died by SIGKILL.
 * Removing a resource that was recorded but never made is a no-op. */
#ifndef PGDRILL_PROVIDER_STATE_H
#define PGDRILL_PROVIDER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum state_kind {
	STATE_LAB,   /* "lab NAME SUBNET": written first */
	STATE_NETNS, /* "netns NAME" */
	STATE_ROUTE, /* "route SUBNET": unreachable route in the root namespace */
	STATE_MOUNT, /* "mount PATH" */
	STATE_PID,   /* "pid PID STARTTIME HOST WHAT" */
	STATE_READY, /* "ready": `up` finished */
	STATE_FAULT, /* "fault TOKEN KIND HOST STATE...": applied (or about to be) */
	STATE_REVERTED, /* "reverted TOKEN" */
};

struct state_entry {
	enum state_kind kind;
	char *arg;  /* first argument */
	char *rest; /* the remainder of the line, may be "" */
};

struct state_file {
	char *lab_dir; /* STATE_DIR/labs/NAME: everything of the lab lives under it */
	char *path;    /* LAB_DIR/state */
	int fd;
	bool frozen; /* a dry run: nothing is appended (and nothing needs reverting) */
};

char *state_lab_dir(const char *state_dir, const char *lab_name);
/* Creates the lab directory and opens the state file for appending. */
int state_open(struct state_file *st, const char *state_dir, const char *lab_name);
int state_append(struct state_file *st, enum state_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void state_close(struct state_file *st);
/* Reads a lab's state file. PD_ENOTFOUND when the lab has none (it is down). */
int state_load(const char *lab_dir, struct state_entry **out, size_t *count);
/* state_load for acting on what the file names, as root: the lab directory and the file
 * must be root's and writable by nobody else, and every entry must be of this lab's own
 * form (its namespaces, a private subnet, its own disks under the lab directory, PIDs).
 * Otherwise the error names the line, and nothing may be acted on. */
int state_load_trusted(const char *lab_dir, struct state_entry **out, size_t *count);
/* The lab file as `up` read it, kept in the lab directory: on hosts pgdrill did not build,
 * `down`, `status` and `run` reach the hosts as recorded (addresses, users, keys, host
 * keys), even when the lab file was edited, moved or lost since. */
char *state_inventory_path(const char *lab_dir);
int state_save_inventory(const char *lab_dir, const char *text);
/* What `up` discovered on hosts pgdrill did not build (roles/discover.h), kept for
 * `pgdrill show`. Loading: PD_ENOTFOUND when there is none (error set). */
int state_save_discovered(const char *lab_dir, const char *facts);
int state_load_discovered(const char *lab_dir, char **facts);
/* Where `up` found the files of nodes pgdrill did not build, when the lab file does not
 * say ("HOST\tPLACE\tPATH" lines: host_places_init reads them back, as hostile text). */
int state_save_places(const char *lab_dir, const char *places);
int state_load_places(const char *lab_dir, char **places);
/* Makes the lab directory with pgdrill's marker in it (idempotent). */
int state_make_lab_dir(const char *lab_dir);
/* Takes the lab's lock (an exclusive flock on its directory) for the life of the
 * process; refuses at once (error set) when another pgdrill holds it. With `create` the
 * directory is made first; without, a missing directory is PD_ENOTFOUND. */
int state_lock_lab(const char *lab_dir, bool create);
/* Lets go of the lock state_lock_lab took (a process that goes on watching a lab, not
 * changing it). */
void state_unlock_lab(void);
/* True when LAB_DIR is a lab directory pgdrill made (it holds pgdrill's marker), so that
 * it may be removed even without a state file. */
bool state_is_lab_dir(const char *lab_dir);
void state_entries_free(struct state_entry *e, size_t count);

#endif
