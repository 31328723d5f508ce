/* How a command reaches a host over SSH (libssh), for providers whose hosts are not on
 * this machine. Host keys are verified against the lab's own known_hosts file and never
 * accepted blindly: a first contact is either pinned (the fingerprint the inventory
 * names) or accepted only when the caller says so, printed and recorded; a changed key is
 * refused before anything is sent. Every wait has a deadline. One link per thread. */
#ifndef PGDRILL_REMOTE_SSH_H
#define PGDRILL_REMOTE_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/proc.h"

struct ssh_target {
	const char *name;         /* the host's name in the lab, for messages */
	const char *host;         /* address or DNS name */
	int port;                 /* 0: 22 */
	const char *user;         /* login user */
	const char *key_file;     /* private key file; NULL: ssh-agent */
	const char *password_env; /* name of an environment variable holding the password */
	const char *known_hosts;  /* the lab's own known_hosts file (required) */
	const char *pinned_key;   /* "SHA256:..." the host key must have, or NULL */
	bool accept_new;          /* record an unknown host key, printing its fingerprint */
	int connect_timeout_ms;   /* 0: 10 s */
	FILE *say;                /* where an accepted key is announced; NULL: stderr */
};

struct ssh_link;

/* Connects, verifies the host key, authenticates. The error names the host, the address
 * and what to do. */
int ssh_link_open(struct ssh_link **out, const struct ssh_target *t);
void ssh_link_free(struct ssh_link *l);

/* Runs `command` through the login user's shell, with `input` on stdin (NULL: none),
 * both output streams captured. The remote side runs it under `timeout` as a second
 * guard. 0 when the command ran and reported an exit status (res->status); -1 with the
 * error set when it could not start, when the deadline passed (res->status = -1), or
 * when no exit status came (killed by a signal: the status is unknown, never 0). */
int ssh_link_exec(struct ssh_link *l, const char *command, const char *input, int timeout_ms,
                  struct proc_result *res);

/* Runs `command` attached to this process's standard streams, as a command started in
 * a terminal would be: input forwarded as it comes, output written as it comes. When
 * standard input is a terminal the command gets one too (a pseudo-terminal of the same
 * size, following its resizes; this terminal in raw mode meanwhile), so that a shell or
 * psql there is interactive. The remote side ends it after `timeout_ms` as a second
 * guard; the link's keepalives notice a dead peer. 0 with *status the command's exit
 * status; -1 with the error set when it could not start, the deadline passed or no exit
 * status came. */
int ssh_link_attached(struct ssh_link *l, const char *command, int timeout_ms, int *status);

/* Writes a file whole: SFTP to a fresh name beside it (created exclusively, with
 * `mode`), then renamed over `path` on the host, so that readers never see half of it. */
int ssh_link_put(struct ssh_link *l, const char *path, const char *data, size_t len, int mode,
                 int timeout_ms);
/* Reads a regular file (not a link) of at most `max` bytes over SFTP. PD_ENOTFOUND when it
 * does not exist. */
int ssh_link_get(struct ssh_link *l, const char *path, size_t max, int timeout_ms, char **out,
                 size_t *len);

/* Sends an SSH_MSG_IGNORE, so that a dead peer is noticed (call it on a timer); -1 when
 * the connection is gone. */
int ssh_link_keepalive(struct ssh_link *l);

/* The command quoted for a POSIX shell: 'it'\''s'. Owned. */
char *ssh_shell_quote(const char *s);

#endif
