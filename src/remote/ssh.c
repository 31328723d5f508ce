#include "remote/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "remote/ssh_link.h"
#include "util/error.h"
#include "util/strbuf.h"

/* The most one command's output may hold: the harness reads configuration, logs and
 * psql answers, not bulk data. */
#define SSH_OUTPUT_MAX (64u << 20)


char *ssh_shell_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_putc(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_puts(&sb, "'\\''");
		else
			strbuf_putc(&sb, *s);
	}
	strbuf_putc(&sb, '\'');
	return strbuf_detach(&sb);
}

void ssh_link_set_timeout(struct ssh_link *l, int timeout_ms)
{
	long sec = timeout_ms > 0 ? timeout_ms / 1000 : 0;
	long usec = timeout_ms > 0 ? (timeout_ms % 1000) * 1000L : 1000;

	ssh_options_set(l->s, SSH_OPTIONS_TIMEOUT, &sec);
	ssh_options_set(l->s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static char *server_fingerprint(ssh_session s)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, *copy;

	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return NULL;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0)
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	if (!fp)
		return NULL;
	copy = xstrdup(fp);
	ssh_string_free_char(fp);
	return copy;
}

/* The host key check: the only path to a session that may carry a command. */
static int verify_host_key(struct ssh_link *l, const struct ssh_target *t)
{
	enum ssh_known_hosts_e known = ssh_session_is_known_server(l->s);
	char *fp = server_fingerprint(l->s);
	int rc = -1;

	if (!fp)
		return error_set("%s: cannot read the server's host key: %s", l->where,
		                 ssh_get_error(l->s));
	if (t->pinned_key && strcmp(t->pinned_key, fp) != 0) {
		error_set("%s: the host key is %s, not the pinned %s: refused, nothing was sent",
		          l->where, fp, t->pinned_key);
		goto cleanup;
	}
	switch (known) {
	case SSH_KNOWN_HOSTS_OK:
		rc = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		error_set("%s: the host key CHANGED: %s records another key, the server offers %s. "
		          "Refused, nothing was sent. If the host was rebuilt on purpose, remove "
		          "its line from %s",
		          l->where, t->known_hosts, fp, t->known_hosts);
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (!t->pinned_key && !t->accept_new) {
			error_set(
			    "%s: unknown host key %s (not in %s). Refused, nothing was sent: pin "
			    "it in the lab file (known_host_key: %s) after checking it on the "
			    "host, or run with --accept-new-host-keys",
			    l->where, fp, t->known_hosts, fp);
			break;
		}
		if (ssh_session_update_known_hosts(l->s) != SSH_OK) {
			error_set("%s: cannot record the host key in %s: %s", l->where,
			          t->known_hosts, ssh_get_error(l->s));
			break;
		}
		fprintf(t->say ? t->say : stderr, "%s: %s host key %s, recorded in %s\n", l->where,
		        t->pinned_key ? "pinned" : "accepted new", fp, t->known_hosts);
		rc = 0;
		break;
	default:
		error_set("%s: cannot check the host key against %s: %s", l->where, t->known_hosts,
		          ssh_get_error(l->s));
		break;
	}
cleanup:
	free(fp);
	return rc;
}

static int authenticate(struct ssh_link *l, const struct ssh_target *t)
{
	int rc;

	if (t->key_file) {
		ssh_key key = NULL;

		if (ssh_pki_import_privkey_file(t->key_file, NULL, NULL, NULL, &key) != SSH_OK)
			return error_set("%s: cannot read the private key %s", l->where,
			                 t->key_file);
		rc = ssh_userauth_publickey(l->s, NULL, key);
		ssh_key_free(key);
	} else if (t->password_env) {
		const char *pw = getenv(t->password_env);

		if (!pw)
			return error_set("%s: the password variable %s is not set", l->where,
			                 t->password_env);
		rc = ssh_userauth_password(l->s, NULL, pw);
	} else {
		rc = ssh_userauth_agent(l->s, NULL);
	}
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	return error_set("%s: authentication refused for user %s (%s)%s", l->where,
	                 t->user ? t->user : "(default)",
	                 t->key_file       ? "key file"
	                 : t->password_env ? "password"
	                                   : "ssh-agent",
	                 rc == SSH_AUTH_ERROR ? "" : ": check the key and authorized_keys");
}

/* Keepalives from the kernel as well: a partitioned host is noticed even while no
 * command runs (probes after 5 s idle, 3 unanswered 2 s apart), and data it does not
 * acknowledge for 11 s (a keepalive message, a command) ends the connection instead of
 * being retransmitted for a quarter of an hour. */
static void keepalive_socket(ssh_session s)
{
	int fd = ssh_get_fd(s), on = 1, idle = 5, intvl = 2, count = 3;
	unsigned int user_timeout_ms = 11000;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof(user_timeout_ms));
}

int ssh_link_open(struct ssh_link **out, const struct ssh_target *t)
{
	struct ssh_link *l = xcalloc(1, sizeof(*l));
	unsigned int port = t->port > 0 ? (unsigned int)t->port : 22;
	int no = 0;

	*out = NULL;
	l->where = xasprintf("host %s (%s@%s:%u)", t->name ? t->name : t->host,
	                     t->user ? t->user : "", t->host, port);
	if (!t->known_hosts) {
		error_set("%s: no known_hosts file given: host keys cannot be checked", l->where);
		goto fail;
	}
	l->s = ssh_new();
	if (!l->s) {
		error_set("%s: cannot create an SSH session", l->where);
		goto fail;
	}
	/* Only the lab's own known_hosts counts; no ~/.ssh/config is read. */
	ssh_options_set(l->s, SSH_OPTIONS_HOST, t->host);
	ssh_options_set(l->s, SSH_OPTIONS_PORT, &port);
	if (t->user)
		ssh_options_set(l->s, SSH_OPTIONS_USER, t->user);
	ssh_options_set(l->s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(l->s, SSH_OPTIONS_KNOWNHOSTS, t->known_hosts);
	ssh_options_set(l->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_link_set_timeout(l, t->connect_timeout_ms > 0 ? t->connect_timeout_ms : 10000);
	if (ssh_connect(l->s) != SSH_OK) {
		error_set("%s: cannot connect: %s", l->where, ssh_get_error(l->s));
		goto fail;
	}
	if (verify_host_key(l, t) < 0 || authenticate(l, t) < 0)
		goto fail;
	keepalive_socket(l->s);
	*out = l;
	return 0;
fail:
	ssh_link_free(l);
	return -1;
}

void ssh_link_free(struct ssh_link *l)
{
	if (!l)
		return;
	if (l->sftp)
		sftp_free(l->sftp);
	if (l->s) {
		if (ssh_is_connected(l->s))
			ssh_disconnect(l->s);
		ssh_free(l->s);
	}
	free(l->where);
	free(l);
}

char *ssh_link_guarded(const char *command, int timeout_ms, bool foreground)
{
	char *quoted = ssh_shell_quote(command);
	char *wrapped = xasprintf("timeout %s-k 5 %d sh -c %s", foreground ? "--foreground " : "",
	                          timeout_ms / 1000 + 6, quoted);

	free(quoted);
	return wrapped;
}

static long long now_ms(void)
{
	return proc_now_ms();
}

/* Reads what is there on one stream without waiting; -1 on a broken channel. */
static int drain(ssh_channel ch, int is_stderr, struct strbuf *sb)
{
	char buf[16384];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), is_stderr)) > 0) {
		if (sb->len + (size_t)n > SSH_OUTPUT_MAX)
			return -1;
		strbuf_add(sb, buf, (size_t)n);
	}
	return n == SSH_ERROR ? -1 : 0;
}

int ssh_link_exec(struct ssh_link *l, const char *command, const char *input, int timeout_ms,
                  struct proc_result *res)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
	char *wrapped = ssh_link_guarded(command, timeout_ms > 0 ? timeout_ms : 60000, false);
	ssh_channel ch = ssh_channel_new(l->s);
	int rc = -1, status;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	ssh_link_set_timeout(l, timeout_ms > 0 ? timeout_ms : 60000);
	if (!ch || ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, wrapped) != SSH_OK) {
		error_set("%s: cannot start '%s': %s", l->where, command, ssh_get_error(l->s));
		goto cleanup;
	}
	if (input) {
		size_t len = strlen(input), done = 0;

		while (done < len) {
			int n = ssh_channel_write(ch, input + done, (uint32_t)(len - done));

			if (n == SSH_ERROR) {
				error_set("%s: '%s': cannot write its input: %s", l->where, command,
				          ssh_get_error(l->s));
				goto cleanup;
			}
			done += (size_t)n;
		}
	}
	ssh_channel_send_eof(ch);
	/* Both streams are read as data comes, so that neither fills while the other is
	 * waited for. */
	for (;;) {
		long long left = deadline - now_ms();

		if (drain(ch, 0, &out) < 0 || drain(ch, 1, &err) < 0) {
			error_set("%s: '%s': the connection broke or the output passed %u bytes",
			          l->where, command, SSH_OUTPUT_MAX);
			goto cleanup;
		}
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			break;
		if (left <= 0) {
			error_set("%s: '%s' did not finish within %d ms", l->where, command,
			          timeout_ms);
			goto cleanup;
		}
		if (ssh_channel_poll_timeout(ch, left < 100 ? (int)left : 100, 0) == SSH_ERROR) {
			error_set("%s: '%s': the connection broke: %s", l->where, command,
			          ssh_get_error(l->s));
			goto cleanup;
		}
	}
	drain(ch, 0, &out);
	drain(ch, 1, &err);
	ssh_link_set_timeout(l, (int)(deadline - now_ms() > 1000 ? deadline - now_ms() : 1000));
	status = ssh_channel_get_exit_status(ch);
	res->out = strbuf_detach(&out);
	res->err = strbuf_detach(&err);
	if (status < 0) {
		error_set("%s: '%s' reported no exit status (killed by a signal, or the connection "
		          "ended): its outcome is unknown",
		          l->where, command);
		goto cleanup;
	}
	/* 124 and 137 come from the remote guard, which only fires past our own deadline. */
	res->status = status;
	rc = 0;
cleanup:
	if (!res->out)
		res->out = strbuf_detach(&out);
	if (!res->err)
		res->err = strbuf_detach(&err);
	strbuf_free(&out);
	strbuf_free(&err);
	if (ch) {
		if (ssh_channel_is_open(ch))
			ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	free(wrapped);
	return rc;
}

static int open_sftp(struct ssh_link *l)
{
	if (l->sftp)
		return 0;
	l->sftp = sftp_new(l->s);
	if (!l->sftp || sftp_init(l->sftp) != SSH_OK) {
		error_set("%s: cannot start SFTP: %s", l->where, ssh_get_error(l->s));
		if (l->sftp)
			sftp_free(l->sftp);
		l->sftp = NULL;
		return -1;
	}
	return 0;
}

int ssh_link_put(struct ssh_link *l, const char *path, const char *data, size_t len, int mode,
                 int timeout_ms)
{
	char *tmp = xasprintf("%s.pgdrill-tmp-%d-%lld", path, (int)getpid(), now_ms());
	char *q_tmp = ssh_shell_quote(tmp), *q_path = ssh_shell_quote(path), *mv;
	struct proc_result res;
	sftp_file f = NULL;
	size_t done = 0;
	int rc = -1;

	ssh_link_set_timeout(l, timeout_ms);
	if (open_sftp(l) < 0)
		goto cleanup;
	f = sftp_open(l->sftp, tmp, O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode);
	if (!f) {
		error_set("%s: cannot create %s: %s", l->where, tmp, ssh_get_error(l->s));
		goto cleanup;
	}
	while (done < len) {
		size_t chunk = len - done > 32768 ? 32768 : len - done;
		ssize_t n = sftp_write(f, data + done, chunk);

		if (n <= 0) {
			error_set("%s: cannot write %s: %s", l->where, tmp, ssh_get_error(l->s));
			goto cleanup;
		}
		done += (size_t)n;
	}
	sftp_close(f);
	f = NULL;
	/* SFTP v3 cannot rename over an existing file: the shell's mv can, atomically. */
	mv = xasprintf("mv -f -- %s %s", q_tmp, q_path);
	rc = ssh_link_exec(l, mv, NULL, timeout_ms, &res);
	free(mv);
	if (rc == 0 && res.status != 0) {
		error_set("%s: cannot move %s into place: %s", l->where, path, res.err);
		rc = -1;
	}
	proc_result_free(&res);
cleanup:
	if (f)
		sftp_close(f);
	if (rc < 0 && l->sftp)
		sftp_unlink(l->sftp, tmp);
	free(tmp);
	free(q_tmp);
	free(q_path);
	return rc;
}

int ssh_link_get(struct ssh_link *l, const char *path, size_t max, int timeout_ms, char **out,
                 size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	sftp_attributes st;
	sftp_file f;
	char buf[32768];
	ssize_t n;

	ssh_link_set_timeout(l, timeout_ms);
	if (open_sftp(l) < 0)
		return -1;
	st = sftp_lstat(l->sftp, path);
	if (!st) {
		if (sftp_get_error(l->sftp) == SSH_FX_NO_SUCH_FILE) {
			error_set("%s: %s does not exist", l->where, path);
			return PD_ENOTFOUND;
		}
		return error_set("%s: cannot read %s: %s", l->where, path, ssh_get_error(l->s));
	}
	if (st->type != SSH_FILEXFER_TYPE_REGULAR) {
		sftp_attributes_free(st);
		return error_set("%s: %s is not a regular file", l->where, path);
	}
	sftp_attributes_free(st);
	f = sftp_open(l->sftp, path, O_RDONLY, 0);
	if (!f)
		return error_set("%s: cannot open %s: %s", l->where, path, ssh_get_error(l->s));
	while ((n = sftp_read(f, buf, sizeof(buf))) > 0) {
		if (sb.len + (size_t)n > max) {
			sftp_close(f);
			strbuf_free(&sb);
			return error_set("%s: %s is larger than %zu bytes", l->where, path, max);
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	sftp_close(f);
	if (n < 0) {
		strbuf_free(&sb);
		return error_set("%s: cannot read %s: %s", l->where, path, ssh_get_error(l->s));
	}
	if (len)
		*len = sb.len;
	*out = strbuf_detach(&sb);
	return 0;
}

int ssh_link_keepalive(struct ssh_link *l)
{
	if (!ssh_is_connected(l->s) || ssh_send_ignore(l->s, "pgdrill") != SSH_OK)
		return error_set("%s: the connection is gone: %s", l->where, ssh_get_error(l->s));
	return 0;
}
