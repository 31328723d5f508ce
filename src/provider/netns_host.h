/* The netns provider's host operations (provider/netns_host.c), for its operations table
 * in provider/netns.c. Each follows the contract of the matching call in provider/host.h. */
#ifndef PGDRILL_PROVIDER_NETNS_HOST_H
#define PGDRILL_PROVIDER_NETNS_HOST_H

#include "provider/host.h"

int netns_put_file(const struct lab_host_rt *h, const char *rel, const char *data, size_t len,
                   mode_t mode, const char *owner);
int netns_get_file(const struct lab_host_rt *h, const char *rel, size_t max, char **out,
                   size_t *len);
/* An empty log `what`.log owned by `owner`, for a program that opens its log itself
 * (pg_ctl -l, barman): the directory is root's alone, so nobody can plant a link there. */
int netns_make_log(const struct lab_host_rt *h, const char *what, const char *owner);
int netns_put_log(const struct lab_host_rt *h, const char *what, const char *text);
int netns_get_log(const struct lab_host_rt *h, const char *what, long long from, size_t max,
                  char **out, long long *size);
int netns_make_dir(const struct lab_host_rt *h, const char *rel, mode_t mode, const char *owner);
int netns_remove(const struct lab_host_rt *h, const char *rel);
int netns_exists(const struct lab_host_rt *h, const char *rel);
int netns_free_space(const struct lab_host_rt *h, const char *rel, unsigned long long *avail);
int netns_allocate(const struct lab_host_rt *h, const char *rel, unsigned long long size);
int netns_unix_request(const struct lab_host_rt *h, const char *rel, const char *request,
                       int timeout_ms, size_t max, char **out);
void netns_release_pg_shm(const struct lab_host_rt *h, const char *rel);
int netns_client_enter(const struct lab_rt *rt, int *back);
void netns_client_leave(const struct lab_rt *rt, int back);
size_t netns_find_procs(const struct lab_host_rt *h, const char *comm, const char *arg,
                        struct host_proc *out, size_t cap);
int netns_proc_of_pid(const struct lab_host_rt *h, pid_t pid, struct host_proc *out);
int netns_signal(const struct lab_host_rt *h, const struct host_proc *p, int sig);

#endif
