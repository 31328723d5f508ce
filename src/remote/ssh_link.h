/* The inside of an SSH link, shared by the files of src/remote/ that use it (ssh.c: the
 * link, commands and files; ssh_terminal.c: a command attached to this terminal). Not for
 * callers: remote/ssh.h is. */
#ifndef PGDRILL_REMOTE_SSH_LINK_H
#define PGDRILL_REMOTE_SSH_LINK_H

#include <stdbool.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "remote/ssh.h"

struct ssh_link {
	ssh_session s;
	sftp_session sftp; /* opened on first use */
	char *where;       /* "host NAME (user@addr:port)" for messages */
};

/* `command` for the remote shell under `timeout`, the remote guard: even if this side
 * dies, the command ends a few seconds after `timeout_ms`. `foreground`: for a command
 * attached to a terminal (it may read it), only the command itself is ended. Owned. */
char *ssh_link_guarded(const char *command, int timeout_ms, bool foreground);
/* libssh's blocking calls wait at most this long: the deadline of the step in hand. */
void ssh_link_set_timeout(struct ssh_link *l, int timeout_ms);

#endif
