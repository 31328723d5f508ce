/* The `existing` provider: hosts pgdrill did not build, reached over SSH (remote/ssh.h).
 * One SSH link per host, opened on first use under the host's lock (threads take turns),
 * with the host key checked against the lab's own known_hosts file. Everything pgdrill
 * does on such a host is a shell command run through that link, as root or as another
 * user by `sudo -n` (or `runuser` when the login user is root). */
#ifndef PGDRILL_PROVIDER_EXISTING_H
#define PGDRILL_PROVIDER_EXISTING_H

#include "provider/host.h"

/* Runs `script` with `sh -c` on the host as `user` (NULL: root), `input` on its stdin.
 * 0 when it ran (res->status holds its exit code), -1 with the error set when the host
 * could not be reached or the deadline passed. */
int existing_exec(const struct lab_host_rt *h, const char *user, const char *script,
                  const char *input, int timeout_ms, struct proc_result *res);

/* The directory of pgdrill's helper programs on the host (see provider_ops.put_helper),
 * with a trailing slash (owned). */
char *existing_helper_dir(const struct lab_host_rt *h);

/* The host path of `rel` on the host, quoted for the shell (owned). */
char *existing_quoted_path(const struct lab_host_rt *h, const char *rel);

/* Writes the file at the quoted host path whole (a temporary file renamed over it), with
 * mode and owner (NULL: root); bytes that are not text go as base64. */
int existing_put_path(const struct lab_host_rt *h, const char *qpath, const char *data,
                      size_t len, mode_t mode, const char *owner);

/* The operations of provider/existing_host.c, for the table in provider/existing.c. */
int existing_put_file(const struct lab_host_rt *h, const char *rel, const char *data, size_t len,
                      mode_t mode, const char *owner);
int existing_get_file(const struct lab_host_rt *h, const char *rel, size_t max, char **out,
                      size_t *len);
int existing_put_log(const struct lab_host_rt *h, const char *what, const char *text);
int existing_get_log(const struct lab_host_rt *h, const char *what, long long from, size_t max,
                     char **out, long long *size);
int existing_make_dir(const struct lab_host_rt *h, const char *rel, mode_t mode,
                      const char *owner);
int existing_remove(const struct lab_host_rt *h, const char *rel);
int existing_exists(const struct lab_host_rt *h, const char *rel);
int existing_free_space(const struct lab_host_rt *h, const char *rel, unsigned long long *avail);
int existing_allocate(const struct lab_host_rt *h, const char *rel, unsigned long long size);
size_t existing_find_procs(const struct lab_host_rt *h, const char *comm, const char *arg,
                           struct host_proc *out, size_t cap);
int existing_proc_of_pid(const struct lab_host_rt *h, pid_t pid, struct host_proc *out);
int existing_signal(const struct lab_host_rt *h, const struct host_proc *p, int sig);

#endif
