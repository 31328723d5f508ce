/* The host operations of the `existing` provider: each is one shell script run as root on
 * the host through its SSH link. Paths were checked by provider/host.c and are quoted;
 * whatever the host answers (PIDs, sizes) is parsed strictly, as anything from a host. */
#include "provider/existing.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "remote/ssh.h"
#include "util/error.h"
#include "util/strbuf.h"

#define FILE_OP_TIMEOUT_MS 30000
/* Exit code the scripts use for "no such file" or "no such process". */
#define GONE 3

/* Runs `script` as root; the error names the host, what was done and the stderr tail. */
static int run_root(const struct lab_host_rt *h, const char *what, const char *script,
                    const char *input, struct proc_result *res)
{
	if (existing_exec(h, NULL, script, input, FILE_OP_TIMEOUT_MS, res) < 0)
		return -1;
	if (res->status == 0 || res->status == GONE)
		return 0;
	{
		char *tail = proc_tail(res->err ? res->err : "", 3);

		error_set("host %s: %s failed (exit %d): %s", h->def->name, what, res->status,
		          *tail ? tail : "no message");
		free(tail);
	}
	return -1;
}

/* The owner as the host's chown takes it: a plain user name. */
static int owner_ok(const struct lab_host_rt *h, const char *owner)
{
	if (!owner || (*owner && strspn(owner, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
	                                 strlen(owner)))
		return 0;
	return error_set("host %s: refused the owner '%s'", h->def->name, owner);
}

/* Writes `path` (quoted) whole: a fresh file beside it, then renamed over it. */
int existing_put_path(const struct lab_host_rt *h, const char *qpath, const char *data,
                      size_t len, mode_t mode, const char *owner)
{
	struct proc_result res;
	char *script, *copy;
	int rc;

	/* The bytes go as the command's input, a string: a program goes as base64. */
	bool binary = memchr(data, '\0', len) != NULL;

	if (owner_ok(h, owner) < 0)
		return -1;
	if (len > HOST_FILE_MAX)
		return error_set("host %s: refused to write %zu bytes to %s (at most %u)",
		                 h->def->name, len, qpath, HOST_FILE_MAX);
	if (binary) {
		copy = xmalloc(4 * ((len + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)copy, (const unsigned char *)data, (int)len);
	} else {
		copy = xmalloc(len + 1);
		memcpy(copy, data, len);
		copy[len] = '\0';
	}
	script = xasprintf("set -e; p=%s; d=$(dirname \"$p\"); mkdir -p \"$d\"; "
	                   "t=$(mktemp \"$d/.pgdrill.XXXXXX\"); trap 'rm -f \"$t\"' EXIT; "
	                   "%s > \"$t\"; chmod %o \"$t\"; chown %s \"$t\"; mv -f \"$t\" \"$p\"; "
	                   "trap - EXIT",
	                   qpath, binary ? "base64 -d" : "cat", (unsigned)mode,
	                   owner ? owner : "root");
	rc = run_root(h, "writing a file", script, copy, &res);
	proc_result_free(&res);
	free(script);
	free(copy);
	return rc;
}

int existing_put_file(const struct lab_host_rt *h, const char *rel, const char *data, size_t len,
                      mode_t mode, const char *owner)
{
	char *q = existing_quoted_path(h, rel);
	int rc = existing_put_path(h, q, data, len, mode, owner);

	free(q);
	return rc;
}

/* A regular file, not a link, at most `max` bytes. */
static int get_path(const struct lab_host_rt *h, const char *qpath, size_t max, char **out,
                    size_t *len)
{
	struct proc_result res;
	char *script = xasprintf("p=%s; if [ -L \"$p\" ] || [ ! -f \"$p\" ]; then exit %d; fi; "
	                         "head -c %zu -- \"$p\"",
	                         qpath, GONE, max + 1);
	int rc = run_root(h, "reading a file", script, NULL, &res);

	free(script);
	*out = NULL;
	if (rc == 0 && res.status == GONE) {
		error_set("host %s: %s does not exist (or is not a regular file)", h->def->name,
		          qpath);
		rc = PD_ENOTFOUND;
	} else if (rc == 0 && strlen(res.out) > max) {
		rc = error_set("host %s: %s is larger than %zu bytes", h->def->name, qpath, max);
	} else if (rc == 0) {
		if (len)
			*len = strlen(res.out);
		*out = res.out;
		res.out = NULL;
	}
	proc_result_free(&res);
	return rc;
}

int existing_get_file(const struct lab_host_rt *h, const char *rel, size_t max, char **out,
                      size_t *len)
{
	char *q = existing_quoted_path(h, rel);
	int rc = get_path(h, q, max, out, len);

	free(q);
	return rc;
}

static char *quoted_log(const struct lab_host_rt *h, const char *what)
{
	char *path = host_log_path(h, what), *q = ssh_shell_quote(path);

	free(path);
	return q;
}

int existing_put_log(const struct lab_host_rt *h, const char *what, const char *text)
{
	char *q = quoted_log(h, what);
	int rc = existing_put_path(h, q, text, strlen(text), 0644, NULL);

	free(q);
	return rc;
}

int existing_get_log(const struct lab_host_rt *h, const char *what, long long from, size_t max,
                     char **out, long long *size)
{
	struct proc_result res;
	char *q = quoted_log(h, what), *end;
	/* The size first, on a line of its own, then the bytes from `from` (from the start
	 * when the log is shorter: it was replaced). */
	char *script = xasprintf("p=%s; if [ -L \"$p\" ] || [ ! -f \"$p\" ]; then exit %d; fi; "
	                         "s=$(stat -c %%s -- \"$p\") || exit 1; f=%lld; "
	                         "[ \"$f\" -le \"$s\" ] || f=0; echo \"$s\"; "
	                         "tail -c +$((f + 1)) -- \"$p\" | head -c %zu",
	                         q, GONE, from < 0 ? 0 : from, max);
	int rc = run_root(h, "reading a log", script, NULL, &res);

	free(script);
	*out = NULL;
	if (rc == 0 && res.status == GONE) {
		error_set("host %s: %s does not exist (or is not a regular file)", h->def->name, q);
		rc = PD_ENOTFOUND;
	} else if (rc == 0 && ((*size = strtoll(res.out, &end, 10)) < 0 || end == res.out ||
	                       *end != '\n')) {
		/* A failed command was reported by run_root with its stderr; this is output
		 * that does not start with the size the script prints first. */
		int n = (int)strcspn(res.out, "\n");

		rc = error_set("host %s: reading %s printed no size first: '%.*s'", h->def->name, q,
		               n > 60 ? 60 : n, res.out);
	} else if (rc == 0) {
		*out = xstrdup(end + 1);
	}
	free(q);
	proc_result_free(&res);
	return rc;
}

/* Runs a one-line script on the quoted path of `rel`: "%1$s" is the path. */
static int path_op(const struct lab_host_rt *h, const char *rel, const char *what,
                   const char *fmt, struct proc_result *res)
{
	char *q = existing_quoted_path(h, rel);
	char *script = xasprintf(fmt, q);
	int rc = run_root(h, what, script, NULL, res);

	free(script);
	free(q);
	return rc;
}

int existing_make_dir(const struct lab_host_rt *h, const char *rel, mode_t mode,
                      const char *owner)
{
	struct proc_result res;
	char *fmt;
	int rc;

	if (owner_ok(h, owner) < 0)
		return -1;
	fmt = xasprintf("set -e; p=%%s; mkdir -p \"$p\"; chmod %o \"$p\"; chown %s \"$p\"",
	                (unsigned)mode, owner ? owner : "root");
	rc = path_op(h, rel, "making a directory", fmt, &res);
	proc_result_free(&res);
	free(fmt);
	return rc;
}

int existing_remove(const struct lab_host_rt *h, const char *rel)
{
	struct proc_result res;
	int rc = path_op(h, rel, "removing", "rm -rf --one-file-system -- %s", &res);

	proc_result_free(&res);
	return rc;
}

int existing_exists(const struct lab_host_rt *h, const char *rel)
{
	struct proc_result res;
	char *fmt = xasprintf("[ -e %%s ] || exit %d", GONE);
	int rc = path_op(h, rel, "looking for a file", fmt, &res);

	free(fmt);
	if (rc == 0)
		rc = res.status == 0 ? 1 : 0;
	proc_result_free(&res);
	return rc;
}

/* A decimal number the host printed: digits only, no overflow. */
static int parse_count(const char *text, unsigned long long *out)
{
	char *end;

	while (*text == ' ')
		text++;
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	while (*end == ' ' || *end == '\n')
		end++;
	return errno || *end ? -1 : 0;
}

int existing_free_space(const struct lab_host_rt *h, const char *rel, unsigned long long *avail)
{
	struct proc_result res;
	/* The filesystem that would hold `rel`: of its nearest existing ancestor. */
	int rc = path_op(h, rel, "measuring free space",
	                 "p=%s; while [ ! -e \"$p\" ]; do p=$(dirname \"$p\"); done; "
	                 "df -B1 --output=avail -- \"$p\" | tail -n 1",
	                 &res);

	if (rc == 0 && (res.status != 0 || parse_count(res.out, avail) < 0))
		rc = error_set("host %s: df printed no free space for %s: '%.80s'", h->def->name,
		               rel, res.out);
	proc_result_free(&res);
	return rc;
}

int existing_allocate(const struct lab_host_rt *h, const char *rel, unsigned long long size)
{
	struct proc_result res;
	char *fmt = xasprintf("p=%%s; [ ! -e \"$p\" ] && [ ! -L \"$p\" ] || exit %d; "
	                      "fallocate -l %llu -- \"$p\"",
	                      GONE, size);
	int rc = path_op(h, rel, "allocating a file", fmt, &res);

	free(fmt);
	if (rc == 0 && res.status == GONE)
		rc = error_set("host %s: %s already exists", h->def->name, rel);
	proc_result_free(&res);
	return rc;
}

/* ---- processes: /proc of the host, read by a script there ---- */

/* Field 22 of /proc/PID/stat (the start time) and field 3 (the state), counted after the
 * command name, which may hold spaces and parentheses. */
#define STAT_FIELDS                                                                                \
	"st=$(sed 's/^.*) //' /proc/$pid/stat 2>/dev/null) || continue; "                         \
	"set -- $st; s=$1; [ \"$s\" != Z ] || continue; shift 19; "

/* A shell function `mine PID`: true for a process of the node, the only ones pgdrill may
 * see and signal on a host it did not build (a host runs much else: sshd, init, other
 * clusters). A process is the node's when its working directory is under the host's
 * root or the node's data directory (every PostgreSQL process works in its data
 * directory), or its command line names a path there, the host's own configuration
 * file: repmgr.conf (repmgrd -f), haproxy's (haproxy -f), barman's (barman -c), or one of
 * pgdrill's helper programs there (the delay fault's packet holder). */
static char *scope_prelude(const struct lab_host_rt *h)
{
	const struct lab_paths *d = &h->def->paths;
	const char *conf = h->places.repmgr_conf    ? h->places.repmgr_conf
	                   : d->haproxy_conf        ? d->haproxy_conf
	                   : h->places.barman_conf ? h->places.barman_conf
	                                            : NULL;
	char *root = xasprintf("%s/", h->host_root), *q = ssh_shell_quote(root);
	char *data = xasprintf("%s/", h->places.data ? h->places.data : h->host_root);
	char *helpers = existing_helper_dir(h), *qh = ssh_shell_quote(helpers);
	char *qd = ssh_shell_quote(data), *text;
	char *qc = ssh_shell_quote(conf ? conf : root);

	/* Names of their own: the scripts after it have variables of theirs (c, d, a...). */
	text = xasprintf("pgd_root=%s; pgd_data=%s; pgd_conf=%s; pgd_helpers=%s; mine() { case "
	                 "\"$(readlink /proc/$1/cwd 2>/dev/null)/\" in \"$pgd_root\"*|\"$pgd_data\"*) "
	                 "return 0;; esac; tr '\\0' ' ' < /proc/$1/cmdline 2>/dev/null | grep -qF "
	                 "-e \"$pgd_root\" -e \"$pgd_data\" -e \"$pgd_conf\" -e \"$pgd_helpers\"; }; ",
	                 q, qd, qc, qh);
	free(qc);
	free(root);
	free(q);
	free(data);
	free(qd);
	free(helpers);
	free(qh);
	return text;
}

/* "PID START STATE" lines into out; a malformed line is refused (the host is not
 * trusted). */
static size_t parse_procs(const struct lab_host_rt *h, const char *text, struct host_proc *out,
                          size_t cap)
{
	size_t n = 0;
	const char *line = text;

	while (line && *line) {
		unsigned long long pid, start;
		char *end;

		errno = 0;
		pid = strtoull(line, &end, 10);
		if (end == line || *end != ' ' || errno || pid <= 1 || pid > 4194304)
			break;
		line = end + 1;
		start = strtoull(line, &end, 10);
		if (end == line || *end != ' ' || errno || start == 0 || !isalpha((unsigned char)end[1]) ||
		    (end[2] != '\n' && end[2]))
			break;
		if (n < cap) {
			out[n].pid = (pid_t)pid;
			out[n].start = start;
			out[n].state = end[1];
		}
		end += 2;
		n++;
		line = *end ? end + 1 : end;
	}
	if (line && *line) {
		error_set("host %s: refused a malformed process list line '%.40s'", h->def->name,
		          line);
		return 0;
	}
	return n;
}

size_t existing_find_procs(const struct lab_host_rt *h, const char *comm, const char *arg,
                           struct host_proc *out, size_t cap)
{
	char *qc = ssh_shell_quote(comm ? comm : ""), *qa = ssh_shell_quote(arg ? arg : "");
	char *prelude = scope_prelude(h);
	char *script = xasprintf(
	    "%sc=%s; a=%s; for d in /proc/[0-9]*; do pid=${d#/proc/}; "
	    "[ -z \"$c\" ] || [ \"$(cat $d/comm 2>/dev/null)\" = \"$c\" ] || continue; "
	    "if [ -n \"$a\" ]; then tr '\\0' ' ' < $d/cmdline 2>/dev/null | grep -qF -- \"$a\" "
	    "|| continue; fi; mine $pid || continue; " STAT_FIELDS "echo \"$pid $1 $s\"; done",
	    prelude, qc, qa);
	struct proc_result res;
	size_t n = 0;

	if (run_root(h, "listing processes", script, NULL, &res) == 0 && res.status == 0)
		n = parse_procs(h, res.out, out, cap);
	proc_result_free(&res);
	free(script);
	free(prelude);
	free(qc);
	free(qa);
	return n;
}

int existing_proc_of_pid(const struct lab_host_rt *h, pid_t pid, struct host_proc *out)
{
	char *prelude = scope_prelude(h);
	char *script = xasprintf("%sfor pid in %d; do mine $pid || break; " STAT_FIELDS
	                         "echo \"$pid $1 $s\"; exit 0; done; exit %d",
	                         prelude, (int)pid, GONE);
	struct proc_result res;
	int rc = run_root(h, "looking for a process", script, NULL, &res);

	free(script);
	free(prelude);
	if (rc == 0 && (res.status == GONE || parse_procs(h, res.out, out, 1) != 1)) {
		error_set("host %s: no process %d runs there", h->def->name, (int)pid);
		rc = PD_ENOTFOUND;
	}
	proc_result_free(&res);
	return rc;
}

int existing_signal(const struct lab_host_rt *h, const struct host_proc *p, int sig)
{
	/* The start time and the scope are checked on the host, right before the signal. */
	char *prelude = scope_prelude(h);
	char *script = xasprintf("%sfor pid in %d; do mine $pid || break; " STAT_FIELDS
	                         "[ \"$1\" = %llu ] || break; kill -%d %d && exit 0; done; exit %d",
	                         prelude, (int)p->pid, p->start, sig, (int)p->pid, GONE);
	struct proc_result res;
	int rc = run_root(h, "signalling a process", script, NULL, &res);

	free(script);
	free(prelude);
	if (rc == 0 && res.status == GONE) {
		error_set("host %s: process %d is gone (or its PID now belongs to another process)",
		          h->def->name, (int)p->pid);
		rc = PD_ENOTFOUND;
	}
	proc_result_free(&res);
	return rc;
}
