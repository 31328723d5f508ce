/* The `existing` provider's life cycle: SSH links to hosts it did not build, commands run
 * through them with the privilege they need, and a teardown that only removes pgdrill's
 * own files on this machine (the hosts, their cluster and their data are the user's). */
#include "provider/existing.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "provider/netns_host.h"
#include "remote/ssh.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

/* A command that names no deadline of its own gets this one. */
#define EXISTING_DEFAULT_TIMEOUT_MS 60000

struct remote_host {
	pthread_mutex_t lock; /* one command at a time on the link */
	struct ssh_target target;
	char *address, *known_hosts;
	struct ssh_link *link;
	bool as_root;     /* the login user is root: no sudo needed */
	bool sudo;        /* become: sudo */
	const struct lab_rt *rt;
	char *own_dir; /* pgdrill's own directory on the host: logs, helper programs */
};

static int existing_rt_init(struct lab_rt *rt)
{
	const struct lab_provider *p = &rt->lab->provider;
	size_t i;

	free(rt->client_netns);
	free(rt->client_netns_path);
	rt->client_netns = p->network_namespace ? xstrdup(p->network_namespace) : NULL;
	rt->client_netns_path =
	    p->network_namespace ? xasprintf("/run/netns/%s", p->network_namespace) : NULL;
	for (i = 0; i < rt->nhosts; i++) {
		struct lab_host_rt *h = &rt->hosts[i];
		const struct lab_ssh *s = &h->def->ssh;
		struct remote_host *r = xcalloc(1, sizeof(*r));

		pthread_mutex_init(&r->lock, NULL);
		r->rt = rt;
		r->address = xstrdup(s->host ? s->host : h->addr);
		r->known_hosts = xasprintf("%s/known_hosts", rt->lab_dir);
		r->target.name = h->def->name;
		r->target.host = r->address;
		r->target.port = (int)s->port;
		r->target.user = s->user ? s->user : p->ssh_user;
		r->target.key_file = s->key ? s->key : p->ssh_key;
		r->target.password_env = s->password_env;
		r->target.known_hosts = r->known_hosts;
		r->target.pinned_key = s->known_host_key;
		r->as_root = r->target.user && strcmp(r->target.user, "root") == 0;
		r->sudo = s->become == BECOME_SUDO;
		h->remote = r;
		/* Nothing of the host is on this machine: no namespace, no local root. Paths
		 * pgdrill itself keeps on the host live under its own directory there. */
		free(h->netns);
		free(h->netns_path);
		h->netns = h->netns_path = NULL;
		free(h->host_root);
		free(h->log_dir);
		h->host_root = h->def->root ? xstrdup(h->def->root)
		                            : xasprintf("/var/lib/pgdrill-remote/%s", rt->lab->name);
		r->own_dir = xasprintf("/var/lib/pgdrill-remote/%s", rt->lab->name);
		h->log_dir = xasprintf("%s/logs/%s", r->own_dir, h->def->name);
	}
	host_places_init(rt);
	return 0;
}

static void existing_rt_free(struct lab_rt *rt)
{
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		struct remote_host *r = rt->hosts[i].remote;

		if (!r)
			continue;
		ssh_link_free(r->link);
		pthread_mutex_destroy(&r->lock);
		free(r->address);
		free(r->known_hosts);
		free(r->own_dir);
		free(r);
		rt->hosts[i].remote = NULL;
	}
}

/* Opens the link (under the lock). The socket is made in the lab's network namespace
 * when the lab names one, so that SSH goes where the lab's hosts are. */
static int connect_locked(const struct lab_host_rt *h)
{
	struct remote_host *r = h->remote;
	const struct lab_rt *rt = r->rt;
	int back = -1, rc;

	if (r->link)
		return 0;
	r->target.accept_new = rt->accept_new_host_keys;
	r->target.say = rt->say;
	if (rt->client_netns_path && netns_client_enter(rt, &back) < 0)
		return error_set("host %s: %s", h->def->name, error_last());
	rc = ssh_link_open(&r->link, &r->target);
	if (back >= 0)
		netns_client_leave(rt, back);
	return rc;
}

static int existing_reach(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	int rc;

	(void)rt;
	pthread_mutex_lock(&h->remote->lock);
	rc = connect_locked(h);
	pthread_mutex_unlock(&h->remote->lock);
	return rc;
}

/* `script` as `user`: root needs sudo unless logged in as root; another user gets runuser
 * (as root) or sudo -u. */
static char *privileged(const struct remote_host *r, const char *user, const char *script)
{
	char *q = ssh_shell_quote(script), *cmd;
	bool as_root = !user || strcmp(user, "root") == 0;

	if (r->as_root && as_root)
		cmd = xasprintf("sh -c %s", q);
	else if (r->as_root)
		cmd = xasprintf("runuser -u %s -- sh -c %s", user, q);
	else if (!r->sudo)
		cmd = xasprintf("sh -c %s", q); /* become: none: the login user does it all */
	else if (as_root)
		cmd = xasprintf("sudo -n -- sh -c %s", q);
	else
		cmd = xasprintf("sudo -n -u %s -- sh -c %s", user, q);
	free(q);
	return cmd;
}

/* After a command that failed on the link (a deadline, a session torn down) the link may
 * still carry the old command's channel, and a link the kernel's keepalives ended (a
 * partitioned host) is dead: a fresh one for the next command. */
static void drop_link_locked(struct remote_host *r)
{
	if (r->link) {
		ssh_link_free(r->link);
		r->link = NULL;
	}
}

int existing_exec(const struct lab_host_rt *h, const char *user, const char *script,
                  const char *input, int timeout_ms, struct proc_result *res)
{
	struct remote_host *r = h->remote;
	char *cmd = privileged(r, user, script);
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = connect_locked(h);
	if (rc == 0)
		rc = ssh_link_exec(r->link, cmd,
		                   input, timeout_ms > 0 ? timeout_ms : EXISTING_DEFAULT_TIMEOUT_MS,
		                   res);
	else
		memset(res, 0, sizeof(*res));
	if (rc < 0)
		drop_link_locked(r);
	pthread_mutex_unlock(&r->lock);
	free(cmd);
	if (rc == 0 && !r->as_root && r->sudo && res->status == 1 && res->err &&
	    strstr(res->err, "sudo: a password is required")) {
		error_set("host %s: sudo asks for a password for %s (pgdrill runs 'sudo -n'): give "
		          "the login user NOPASSWD rights, log in as root, or set ssh.become: none",
		          h->def->name, r->target.user ? r->target.user : "the login user");
		return -1;
	}
	return rc;
}

/* `script` as `user`, attached to pgdrill's own standard streams (pgdrill exec): its
 * output is not captured, res holds only the exit status. */
static int existing_attached(const struct lab_host_rt *h, const char *user, const char *script,
                             int timeout_ms, struct proc_result *res)
{
	struct remote_host *r = h->remote;
	char *cmd = privileged(r, user, script);
	int rc;

	memset(res, 0, sizeof(*res));
	res->out = xstrdup("");
	res->err = xstrdup("");
	pthread_mutex_lock(&r->lock);
	rc = connect_locked(h);
	if (rc == 0)
		rc = ssh_link_attached(r->link, cmd,
		                       timeout_ms > 0 ? timeout_ms : EXISTING_DEFAULT_TIMEOUT_MS,
		                       &res->status);
	if (rc < 0)
		drop_link_locked(r);
	pthread_mutex_unlock(&r->lock);
	free(cmd);
	return rc;
}

char *existing_quoted_path(const struct lab_host_rt *h, const char *rel)
{
	char *path = host_path(h, rel), *q = ssh_shell_quote(path);

	free(path);
	return q;
}

/* Environment entries are "KEY=VALUE" with a plain KEY. */
static bool env_ok(const char *kv)
{
	size_t n = strcspn(kv, "=");

	return n > 0 && kv[n] == '=' && strspn(kv, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

static int check_env(const struct lab_host_rt *h, const struct proc_spec *spec)
{
	size_t i;

	for (i = 0; spec->env && spec->env[i]; i++)
		if (!env_ok(spec->env[i]))
			return error_set("host %s: refused the environment entry '%s'",
			                 h->def->name, spec->env[i]);
	return 0;
}

/* A command line for the host's shell: cd, environment, PostgreSQL's programs (paths.bin)
 * first in the PATH, every argument quoted. */
static char *remote_command(const struct lab_host_rt *h, const struct proc_spec *spec)
{
	struct strbuf sb = STRBUF_INIT;
	char *q;
	size_t i;

	if (spec->cwd) {
		q = ssh_shell_quote(spec->cwd);
		strbuf_printf(&sb, "cd %s && ", q);
		free(q);
	}
	/* The directory is a checked place (lab_valid_place): no quoting is needed, but it
	 * gets it all the same. */
	q = ssh_shell_quote(h->def->paths.bin ? h->def->paths.bin : "/usr/lib/postgresql/15/bin");
	strbuf_printf(&sb, "PATH=%s:$PATH exec env", q);
	free(q);
	for (i = 0; spec->env && spec->env[i]; i++) {
		q = ssh_shell_quote(spec->env[i]);
		strbuf_printf(&sb, " %s", q);
		free(q);
	}
	/* No "--": GNU env would take it for the command after an assignment. */
	for (i = 0; spec->argv[i]; i++) {
		q = ssh_shell_quote(spec->argv[i]);
		strbuf_printf(&sb, " %s", q);
		free(q);
	}
	return strbuf_detach(&sb);
}

/* A daemon on the host: its own session, output appended to its log there, its PID
 * printed by the shell that started it (a background job of a non-interactive shell is no
 * group leader, so setsid runs it in place). */
static int existing_spawn(const struct lab_rt *rt, const struct lab_host_rt *h,
                          struct proc_spec *spec, const char *log_path, struct host_proc *out)
{
	char *cmd, *qlog = ssh_shell_quote(log_path), *qcmd, *script;
	struct proc_result res;
	unsigned long long n = 0;
	char *end;
	int rc;

	(void)rt;
	if (check_env(h, spec) < 0) {
		free(qlog);
		return -1;
	}
	/* The log, made by root for the user the daemon runs as. */
	script = xasprintf("mkdir -p \"$(dirname %s)\" && touch %s && chown %s %s", qlog, qlog,
	                   spec->user ? spec->user : "root", qlog);
	rc = existing_exec(h, NULL, script, NULL, 20000, &res);
	free(script);
	if (rc == 0 && res.status != 0)
		rc = error_set("host %s: cannot make the log %s: %.200s", h->def->name, log_path,
		               res.err);
	proc_result_free(&res);
	if (rc < 0) {
		free(qlog);
		return -1;
	}
	cmd = remote_command(h, spec);
	qcmd = ssh_shell_quote(cmd);
	script = xasprintf("setsid sh -c %s >> %s 2>&1 < /dev/null & echo $!", qcmd, qlog);
	rc = existing_exec(h, spec->user, script, NULL, 20000, &res);
	if (rc == 0) {
		n = strtoull(res.out, &end, 10);
		if (res.status != 0 || end == res.out || *end != '\n' || n <= 1 || n > 4194304)
			rc = error_set("host %s: could not start '%s' (exit %d): %.200s",
			               h->def->name, spec->argv[0], res.status, res.err);
	}
	/* The start time, so that the PID is never taken for a later process's; one that
	 * is already gone is recorded without one and never signalled. */
	if (rc == 0 && existing_proc_of_pid(h, (pid_t)n, out) < 0) {
		error_clear();
		out->pid = (pid_t)n;
		out->start = 0;
	}
	proc_result_free(&res);
	free(script);
	free(qcmd);
	free(cmd);
	free(qlog);
	return rc;
}

static int existing_run(const struct lab_rt *rt, const struct lab_host_rt *h,
                        struct proc_spec *spec, struct proc_result *res)
{
	char *cmd;
	int rc;

	if (!h) {
		/* The harness's own client commands run here, where the lab is reached. */
		spec->netns = rt->client_netns_path;
		return proc_run(spec, res);
	}
	if (check_env(h, spec) < 0)
		return -1;
	cmd = remote_command(h, spec);
	rc = spec->inherit_stdio ? existing_attached(h, spec->user, cmd, spec->timeout_ms, res)
	                         : existing_exec(h, spec->user, cmd, spec->input, spec->timeout_ms,
	                                         res);
	free(cmd);
	return rc;
}

char *existing_helper_dir(const struct lab_host_rt *h)
{
	return xasprintf("%s/bin/", h->remote->own_dir);
}

static char *existing_put_helper(const struct lab_host_rt *h, const char *name, const char *data,
                                 size_t len)
{
	char *dir = existing_helper_dir(h), *path = xasprintf("%s%s", dir, name);
	char *q = ssh_shell_quote(path);
	int rc = existing_put_path(h, q, data, len, 0755, NULL);

	free(dir);
	free(q);
	if (rc < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* pgdrill's own directory on each host (daemon logs of the heals): the lab's name is
 * validated plain, the path fixed. */
static int existing_forget(const struct lab_rt *rt, FILE *say)
{
	char *dir = xasprintf("/var/lib/pgdrill-remote/%s", rt->lab->name);
	char *q = ssh_shell_quote(dir);
	/* The parent goes too once no other lab's directory is in it. */
	char *script = xasprintf("rm -rf --one-file-system -- %s && "
	                         "{ rmdir /var/lib/pgdrill-remote 2>/dev/null; true; }",
	                         q);
	int failed = 0;
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		struct proc_result res;

		if (existing_exec(h, NULL, script, NULL, 30000, &res) < 0 || res.status != 0) {
			fprintf(say, "host %s: could not remove pgdrill's %s (%s); by hand: %s\n",
			        h->def->name, dir, error_pending() ? error_last() : res.err, script);
			error_clear();
			failed++;
		}
		proc_result_free(&res);
	}
	free(script);
	free(q);
	free(dir);
	return failed;
}

/* Only this machine's copy of the lab goes: known_hosts, state, logs. Faults on the hosts
 * were reverted before (cmd_down refuses to come here while one is left). */
static int existing_destroy(const char *lab_dir)
{
	if (!state_is_lab_dir(lab_dir))
		return 0;
	return fs_remove_tree(lab_dir);
}

static int existing_create(struct lab_rt *rt)
{
	(void)rt;
	return error_set("the existing provider builds nothing");
}

/* A killed server's shared memory on someone else's host is left to its own service
 * manager: pgdrill starts no server there from a bare data directory. */
static void existing_release_pg_shm(const struct lab_host_rt *h, const char *rel)
{
	(void)h;
	(void)rel;
}

/* perl-base is on every Debian host: its IO::Socket::UNIX sends the request and reads the
 * answer until the server closes. */
static int existing_unix_request(const struct lab_host_rt *h, const char *rel,
                                 const char *request, int timeout_ms, size_t max, char **out)
{
	char *q = existing_quoted_path(h, rel);
	char *script = xasprintf(
	    "exec perl -MIO::Socket::UNIX -e '$s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or "
	    "exit 3; local $/; $in = <STDIN>; print $s $in; shutdown($s, 1); print <$s>' %s",
	    q);
	struct proc_result res;
	int rc = existing_exec(h, NULL, script, request, timeout_ms, &res);

	free(script);
	free(q);
	*out = NULL;
	if (rc == 0 && res.status != 0)
		rc = error_set("host %s: no answer from the socket %s (exit %d): %.200s",
		               h->def->name, rel, res.status, res.err);
	else if (rc == 0 && strlen(res.out) > max)
		rc = error_set("host %s: the answer of %s passed %zu bytes", h->def->name, rel, max);
	if (rc == 0) {
		*out = res.out;
		res.out = NULL;
	}
	proc_result_free(&res);
	return rc;
}

static int existing_client_enter(const struct lab_rt *rt, int *back)
{
	if (back)
		*back = -1;
	return rt->client_netns_path ? netns_client_enter(rt, back) : 0;
}

static void existing_client_leave(const struct lab_rt *rt, int back)
{
	if (back >= 0)
		netns_client_leave(rt, back);
}

const struct provider_ops provider_existing = {
    .name = "existing",
    .destroy_undoes_faults = false, /* the hosts stay: each fault is reverted on its own */
    .admin_over_network = true,
    .rt_init = existing_rt_init,
    .rt_free = existing_rt_free,
    .reach = existing_reach,
    .run = existing_run,
    .spawn = existing_spawn,
    .place = NULL,
    .create = existing_create,
    .destroy = existing_destroy,
    .forget = existing_forget,
    .put_file = existing_put_file,
    .get_file = existing_get_file,
    .put_log = existing_put_log,
    .get_log = existing_get_log,
    .put_helper = existing_put_helper,
    .make_dir = existing_make_dir,
    .remove = existing_remove,
    .exists = existing_exists,
    .free_space = existing_free_space,
    .allocate = existing_allocate,
    .unix_request = existing_unix_request,
    .release_pg_shm = existing_release_pg_shm,
    .client_enter = existing_client_enter,
    .client_leave = existing_client_leave,
    .find_procs = existing_find_procs,
    .proc_of_pid = existing_proc_of_pid,
    .signal = existing_signal,
};
