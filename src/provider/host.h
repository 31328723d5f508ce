/* The host seam: everything above the provider reaches a lab host through these calls:
 * files under the host's own root, its log files, and its processes. Nothing above
 * src/provider/ touches a host's files by local path, reads /proc or calls kill() (a test
 * greps for it), so a provider whose hosts are elsewhere (SSH, libvirt) only implements
 * its operations table.
 *
 * Paths are relative to the host's root ("data/pg_hba.conf"): no leading '/', no '..',
 * no control characters; anything else is refused before the provider sees it. The
 * netns provider never follows a symbolic link on the way (directories on a host's disk
 * belong to postgres and barman, and pgdrill runs as root). */
#ifndef PGDRILL_PROVIDER_HOST_H
#define PGDRILL_PROVIDER_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "provider/provider.h"

/* A process on a host, known by its PID *and* its start time, so that a PID the kernel
 * has since given to another process is never signalled. */
struct host_proc {
	pid_t pid;
	unsigned long long start;
	char state; /* /proc's state letter when it was read (R, S, D, T...); 0: unknown */
};

/* The most a file read from a host may hold: configuration, PID files, logs. */
#define HOST_FILE_MAX (16u << 20)

/* 0 when the host answers: for a host reached over SSH, connected with its host key
 * verified and logged in (error set, naming the host, otherwise). */
int host_reach(const struct lab_rt *rt, const struct lab_host_rt *h);
/* In a dry run (rt->dry), prints what would be done on the host (NULL: pgdrill's client
 * network) and returns true: the caller then does nothing. False otherwise. The calls
 * below that change a host do this themselves; what only reads runs. */
bool host_dry_say(const struct lab_rt *rt, const struct lab_host_rt *h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs a command on a host to completion (unless spec->reads_only, only printed in a dry
 * run). */
int host_run(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
             struct proc_result *res);
/* True when host_start works (the provider's hosts run local processes). */
bool host_can_start(const struct lab_rt *rt);
/* Starts a command on a host; proc_finish collects it (for several at once). */
int host_start(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               struct proc_handle *out);
/* Starts a long-running process on a host, logging to its log `what`; the process is
 * recorded in the state file. */
int host_spawn(struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               const char *what, struct host_proc *out);

/* The path as the host's own processes see it, for configuration text and command
 * arguments (owned). Not for opening locally: use the calls below. A place the host keeps
 * elsewhere (h->places) is mapped: "data/base" is under places.data when declared. */
char *host_path(const struct lab_host_rt *h, const char *rel);
/* The hosts' places as the lab file declares them, then those `up` discovered and
 * recorded where the lab file is silent (existing labs). */
void host_places_init(struct lab_rt *rt);
/* A place the host's own server reports (`key`: "config", "hba" or "barman_home"), used
 * unless the lab file declares it; refused (error set) unless it is an absolute path of
 * names. */
int host_place_adopt(struct lab_host_rt *h, const char *key, const char *path);
/* Records the places discovered (not declared) in the lab's directory, for the commands
 * after `up`. */
int host_places_record(const struct lab_rt *rt);
/* Frees what the places hold and empties them. */
void host_places_free(struct host_places *p);
/* The host-side path of a log file of the host, `what`.log (owned). */
char *host_log_path(const struct lab_host_rt *h, const char *what);

/* One of pgdrill's helper programs (`pgdrill-NAME`, beside pgdrill's own binary) where
 * the host can run it: that file itself on a host whose processes run here, else a copy
 * in pgdrill's own directory on the host (root's, mode 0755; it goes with the lab). Its
 * path on the host (owned), or NULL with the error set. */
char *host_helper(const struct lab_rt *rt, const struct lab_host_rt *h, const char *name);

/* Replaces the file whole (readers never see half of it), with mode and owner (NULL:
 * root). */
int host_put_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                  const char *data, size_t len, mode_t mode, const char *owner);
int host_put_string(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                    const char *text, mode_t mode, const char *owner);
/* The whole file (owned, NUL-terminated), at most HOST_FILE_MAX bytes. PD_ENOTFOUND when
 * it does not exist (error set). */
int host_get_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel, char **out,
                  size_t *len);
/* Replaces the host's log `what`.log with `text` (a report kept where a DBA looks). */
int host_put_log(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                 const char *text);
/* The host's log `what`.log whole (owned, at most HOST_FILE_MAX bytes); PD_ENOTFOUND when
 * there is none (error set). */
int host_get_log(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                 char **out);
/* The host's log `what`.log from byte `from` on (all of it when the log is shorter: it
 * was replaced), at most HOST_FILE_MAX bytes of it (owned), and its size now. */
int host_get_log_from(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                      long long from, char **out, long long *size);
/* The size of the host's log `what`.log now; PD_ENOTFOUND when there is none. */
int host_log_size(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                  long long *size);
/* The last `lines` lines of the host's log `what`.log, indented, under a heading that
 * names it; "" when there is none (owned). */
char *host_log_tail(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                    int lines);
/* mkdir -p; the last component gets `mode` and `owner` (NULL: root). */
int host_mkdir(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel, mode_t mode,
               const char *owner);
/* rm -rf, never crossing into another filesystem; a missing path is fine. */
int host_remove(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel);
bool host_exists(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel);
/* Bytes an unprivileged writer can still use on the filesystem that holds `rel`. */
int host_free_space(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                    unsigned long long *avail);
/* A new file of `size` bytes whose blocks are really taken (a disk-full ballast); fails
 * when `rel` exists. */
int host_allocate(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                  unsigned long long size);

/* Sends `request` to the Unix socket `rel` on the host and returns everything it answers
 * until it closes the connection (owned, at most HOST_FILE_MAX bytes). Fails when the
 * answer is not complete within timeout_ms. */
int host_unix_request(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                      const char *request, int timeout_ms, char **out);

/* The calling thread joins the lab's client network, where the harness's clients live
 * (the way an application reaches haproxy, never through the machine's own network).
 * With `back`, *back receives what lab_client_leave needs to return the thread; without,
 * the thread stays (a workload client thread). */
int lab_client_enter(const struct lab_rt *rt, int *back);
void lab_client_leave(const struct lab_rt *rt, int back);

/* Removes what PostgreSQL's data directory `rel` left in shared memory (a killed server
 * leaves its segment behind; the next one on the same directory would refuse to start). */
void host_release_pg_shm(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel);

/* Live processes of the host named `comm` (NULL: any) whose command line contains `arg`
 * (NULL: any). Returns how many; at most `cap` are stored. */
size_t host_find_procs(const struct lab_rt *rt, const struct lab_host_rt *h, const char *comm,
                       const char *arg, struct host_proc *out, size_t cap);
/* The live process `pid` of the host (a PID read from a file there). PD_ENOTFOUND when no
 * such process runs on the host. */
int host_proc_of_pid(const struct lab_rt *rt, const struct lab_host_rt *h, pid_t pid,
                     struct host_proc *out);
/* Sends `sig` to the process, only while it still is the process that was found.
 * PD_ENOTFOUND when it is gone (or the PID now belongs to another process). */
int host_signal(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *p,
                int sig);
/* True while the process runs (a zombie does not). */
bool host_proc_alive(const struct lab_rt *rt, const struct lab_host_rt *h,
                     const struct host_proc *p);
/* Waits (at most timeout_ms) for the process to end; true when it did. */
bool host_proc_wait_end(const struct lab_rt *rt, const struct lab_host_rt *h,
                        const struct host_proc *p, int timeout_ms);

#endif
