/* The host seam on the netns provider, against a scratch directory standing in for a
 * host's disk: paths outside the host are refused, planted symbolic links never redirect
 * a write or a read, a silent socket cannot hang a request, and no process that is not
 * the host's (or that has been replaced under its PID) is signalled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provider/host.h"
#include "util/error.h"
#include "scratch_host.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/strbuf.h"

static char scratch[] = "/tmp/pgdrill-test-host-XXXXXX";
static char *outside;
static struct lab_host host_def = {.name = "h1"};
static struct lab_host_rt host;
static struct lab_rt rt;

static int setup(void **state)
{
	(void)state;
	if (scratch_host_init(scratch, &host_def, &host, &rt) < 0)
		return -1;
	outside = xasprintf("%s/outside", scratch);
	if (mkdir(outside, 0755) < 0)
		return -1;
	{
		char *secret = xasprintf("%s/secret", outside);
		int rc = fs_write_string(secret, "untouched\n", 0600, NULL);

		free(secret);
		return rc;
	}
}

static int teardown(void **state)
{
	(void)state;
	scratch_host_free(scratch, &host);
	free(outside);
	return 0;
}

static char *at(const char *rel)
{
	return xasprintf("%s/%s", host.host_root, rel);
}

static void assert_outside_untouched(void)
{
	char *path = xasprintf("%s/secret", outside), *text = NULL;

	assert_int_equal(fs_read_file(path, &text, NULL), 0);
	assert_string_equal(text, "untouched\n");
	free(text);
	free(path);
}

static void test_round_trip(void **state)
{
	char *text = NULL, *path = at("conf/a/b.conf");
	struct stat st;
	size_t len;

	(void)state;
	assert_int_equal(host_put_string(&rt, &host, "conf/a/b.conf", "x = 1\n", 0640, NULL), 0);
	assert_int_equal(host_get_file(&rt, &host, "conf/a/b.conf", &text, &len), 0);
	assert_string_equal(text, "x = 1\n");
	assert_int_equal(len, 6);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_true(host_exists(&rt, &host, "conf/a/b.conf"));
	assert_int_equal(host_get_file(&rt, &host, "conf/missing", &text, NULL), PD_ENOTFOUND);
	error_clear();
	assert_int_equal(host_mkdir(&rt, &host, "data/sub", 0700, NULL), 0);
	assert_int_equal(host_remove(&rt, &host, "conf"), 0);
	assert_false(host_exists(&rt, &host, "conf/a/b.conf"));
	assert_int_equal(host_remove(&rt, &host, "conf"), 0); /* gone already: fine */
	free(text);
	free(path);
}

/* A child of the test that waits until it is signalled. */
static pid_t waiting_child(void)
{
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_true(child > 0);
	return child;
}

/* A node's files kept elsewhere (a packaged layout): host_path maps pgdrill's layout onto
 * them, and everything else stays under the host's root. */
static void test_places_map(void **state)
{
	struct lab_host def = {.name = "h1"};
	struct lab_host_rt h = {.def = &def, .host_root = "/srv/root"};
	static const char *const cases[][2] = {
	    {"data", "/var/lib/postgresql/15/main"},
	    {"data/pg_wal", "/var/lib/postgresql/15/main/pg_wal"},
	    {"data/pg_hba.conf", "/etc/postgresql/15/main/pg_hba.conf"},
	    {"data/postgresql.conf", "/var/lib/postgresql/15/main/postgresql.conf"},
	    {"database", "/srv/root/database"},
	    {"conf/repmgr.conf", "/etc/repmgr.conf"},
	    {"conf/pgpass", "/srv/root/conf/pgpass"},
	    {"conf/barman.conf", "/etc/barman/main.conf"},
	    {"conf/barman.d", "/srv/root/conf/barman.d"},
	    {"run/haproxy.sock", "/run/haproxy/admin.sock"},
	    {"run/haproxy.pid", "/srv/root/run/haproxy.pid"},
	    {"run", "/srv/root/run"},
	};
	size_t i;
	char *path;

	(void)state;
	h.places.data = xstrdup("/var/lib/postgresql/15/main");
	h.places.hba = xstrdup("/etc/postgresql/15/main/pg_hba.conf");
	h.places.repmgr_conf = xstrdup("/etc/repmgr.conf");
	h.places.barman_conf = xstrdup("/etc/barman/main.conf");
	h.places.haproxy_socket = xstrdup("/run/haproxy/admin.sock");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = host_path(&h, cases[i][0]);
		assert_string_equal(path, cases[i][1]);
		free(path);
	}
	/* What a server reports is used only when it is a place of names. */
	def.paths.config = "/etc/declared.conf";
	assert_int_equal(host_place_adopt(&h, "config", "/etc/reported.conf"), 0);
	assert_null(h.places.config); /* declared beats discovered */
	def.paths.config = NULL;
	assert_int_equal(host_place_adopt(&h, "config", "/etc/../root/x.conf"), -1);
	error_clear();
	assert_int_equal(host_place_adopt(&h, "config", "/etc/a\nb.conf"), -1);
	error_clear();
	assert_null(h.places.config);
	assert_int_equal(host_place_adopt(&h, "config", "/etc/postgresql/15/main/postgresql.conf"),
	                 0);
	assert_string_equal(h.places.config, "/etc/postgresql/15/main/postgresql.conf");
	/* The server's log, where its logging collector writes, is read for "postgres"; every
	 * other log stays in the lab's log directory. */
	h.log_dir = "/srv/logs/h1";
	path = host_log_path(&h, "postgres");
	assert_string_equal(path, "/srv/logs/h1/postgres.log");
	free(path);
	assert_int_equal(
	    host_place_adopt(&h, "server_log", "/var/lib/postgresql/15/main/log/postgresql.log"), 0);
	path = host_log_path(&h, "postgres");
	assert_string_equal(path, "/var/lib/postgresql/15/main/log/postgresql.log");
	free(path);
	path = host_log_path(&h, "repmgrd");
	assert_string_equal(path, "/srv/logs/h1/repmgrd.log");
	free(path);
	host_places_free(&h.places);
	assert_null(h.places.data);
}

/* A dry run: every call that would change the host prints what it would do and does
 * nothing; what only reads runs. */
static void test_dry_run(void **state)
{
	char *printed = NULL, *marker = at("marker"), *text = NULL;
	size_t printed_len = 0;
	struct dry_run dry = {.out = open_memstream(&printed, &printed_len)};
	char *touch[] = {"touch", marker, NULL}, *echo[] = {"echo", "read", NULL};
	struct proc_spec change = {.argv = touch, .input = "a ruleset\nline two\n"};
	struct proc_spec query = {.argv = echo, .reads_only = true};
	struct proc_result res;
	struct host_proc p;
	pid_t child = waiting_child();
	int status;

	(void)state;
	assert_int_equal(host_put_string(&rt, &host, "kept", "before\n", 0600, NULL), 0);
	assert_int_equal(host_proc_of_pid(&rt, &host, child, &p), 0);
	rt.dry = &dry;
	assert_int_equal(host_put_string(&rt, &host, "kept", "after\n", 0600, NULL), 0);
	assert_int_equal(host_remove(&rt, &host, "kept"), 0);
	assert_int_equal(host_mkdir(&rt, &host, "newdir", 0700, NULL), 0);
	assert_int_equal(host_allocate(&rt, &host, "ballast", 1 << 20), 0);
	assert_int_equal(host_run(&rt, &host, &change, &res), 0);
	assert_int_equal(res.status, 0);
	proc_result_free(&res);
	assert_int_equal(host_signal(&rt, &host, &p, SIGKILL), 0);
	assert_true(host_proc_wait_end(&rt, &host, &p, 10000)); /* as if it had been sent */
	/* Reads are real. */
	assert_int_equal(host_get_file(&rt, &host, "kept", &text, NULL), 0);
	assert_string_equal(text, "before\n");
	assert_int_equal(host_run(&rt, &host, &query, &res), 0);
	assert_string_equal(res.out, "read\n");
	proc_result_free(&res);
	rt.dry = NULL;
	fclose(dry.out);
	assert_int_equal(dry.actions, 6);
	assert_non_null(strstr(printed, "would, on h1: replace the file "));
	assert_non_null(strstr(printed, "would, on h1: run as root: touch "));
	assert_non_null(strstr(printed, "      | a ruleset\n      | line two\n"));
	assert_non_null(strstr(printed, "send signal 9"));
	assert_null(strstr(printed, "echo"));
	/* Nothing changed. */
	assert_false(host_exists(&rt, &host, "marker"));
	assert_false(host_exists(&rt, &host, "newdir"));
	assert_false(host_exists(&rt, &host, "ballast"));
	assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* not signalled */
	assert_int_equal(host_signal(&rt, &host, &p, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(host_remove(&rt, &host, "kept"), 0);
	free(text);
	free(marker);
	free(printed);
}

static void test_paths_outside_refused(void **state)
{
	static const char *const bad[] = {"/etc/passwd",
	                                  "../outside/secret",
	                                  "data/../../x",
	                                  "",
	                                  "data/",
	                                  "a//b",
	                                  "./x",
	                                  "a\nb",
	                                  "data/\x1b[31m",
	                                  NULL};
	char *text = NULL;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		error_clear();
		assert_int_equal(host_put_string(&rt, &host, bad[i], "x", 0600, NULL), -1);
		assert_non_null(strstr(error_last(), "refused the path"));
		error_clear();
		assert_true(host_get_file(&rt, &host, bad[i], &text, NULL) < 0);
		assert_true(host_remove(&rt, &host, bad[i]) < 0);
		assert_false(host_exists(&rt, &host, bad[i]));
	}
	error_clear();
	assert_outside_untouched();
}

static void test_planted_links(void **state)
{
	char *link_dir = at("evil"), *link_file = at("data/pg_hba.conf"), *text = NULL;
	char *target = xasprintf("%s/secret", outside);
	struct stat st;

	(void)state;
	assert_int_equal(host_mkdir(&rt, &host, "data", 0700, NULL), 0);
	/* A directory on the way that is a link: refused, nothing written through it. */
	assert_int_equal(symlink(outside, link_dir), 0);
	error_clear();
	assert_int_equal(host_put_string(&rt, &host, "evil/secret", "owned\n", 0600, NULL), -1);
	assert_non_null(strstr(error_last(), "symbolic link"));
	error_clear();
	assert_true(host_get_file(&rt, &host, "evil/secret", &text, NULL) < 0);
	error_clear();
	assert_true(host_allocate(&rt, &host, "evil/ballast", 4096) < 0);
	error_clear();
	/* The file itself is a link: a read is refused, a write replaces the link. */
	assert_int_equal(symlink(target, link_file), 0);
	assert_true(host_get_file(&rt, &host, "data/pg_hba.conf", &text, NULL) < 0);
	error_clear();
	assert_int_equal(
	    host_put_string(&rt, &host, "data/pg_hba.conf", "local all all peer\n", 0600, NULL), 0);
	assert_int_equal(lstat(link_file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* Removing a tree that holds a link removes the link, not what it points to. */
	{
		char *inner = at("data/to-outside");

		assert_int_equal(symlink(outside, inner), 0);
		free(inner);
	}
	assert_int_equal(host_remove(&rt, &host, "data"), 0);
	assert_int_equal(host_remove(&rt, &host, "evil"), 0);
	assert_outside_untouched();
	free(link_dir);
	free(link_file);
	free(target);
}

static void test_ballast(void **state)
{
	unsigned long long before, after;
	struct stat st;
	char *path = at("pgdrill-ballast-1");

	(void)state;
	assert_int_equal(host_free_space(&rt, &host, "pgdrill-ballast-1", &before), 0);
	assert_int_equal(host_allocate(&rt, &host, "pgdrill-ballast-1", 1 << 20), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_blocks * 512 >= 1 << 20); /* really allocated, not sparse */
	assert_int_equal(host_free_space(&rt, &host, "pgdrill-ballast-1", &after), 0);
	assert_true(after < before);
	/* A second one with the same name is refused, not overwritten. */
	assert_true(host_allocate(&rt, &host, "pgdrill-ballast-1", 4096) < 0);
	error_clear();
	assert_int_equal(host_remove(&rt, &host, "pgdrill-ballast-1"), 0);
	free(path);
}

static void test_logs(void **state)
{
	char *tail;

	(void)state;
	assert_int_equal(host_put_log(&rt, &host, "pg_rewind", "one\ntwo\nthree\n"), 0);
	tail = host_log_tail(&rt, &host, "pg_rewind", 2);
	assert_non_null(strstr(tail, "last lines of"));
	assert_non_null(strstr(tail, "    | two\n    | three\n"));
	assert_null(strstr(tail, "one"));
	free(tail);
	tail = host_log_tail(&rt, &host, "never-written", 5);
	assert_string_equal(tail, "");
	free(tail);
	assert_int_equal(host_put_log(&rt, &host, "../escape", "x"), -1);
	error_clear();
}

/* A server that accepts and then says nothing. */
static void *silent_server(void *arg)
{
	int fd = *(int *)arg, c = accept(fd, NULL, NULL);

	sleep(3);
	if (c >= 0)
		close(c);
	return NULL;
}

static void test_socket_deadline(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *out = NULL;
	pthread_t t;
	long long t0;
	int fd;

	(void)state;
	assert_int_equal(host_mkdir(&rt, &host, "run", 0755, NULL), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/stats.sock", host.host_root);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, silent_server, &fd), 0);
	t0 = proc_now_ms();
	assert_int_equal(host_unix_request(&rt, &host, "run/stats.sock", "show stat\n", 300, &out),
	                 -1);
	assert_true(proc_now_ms() - t0 < 2500);
	assert_non_null(strstr(error_last(), "no complete answer"));
	error_clear();
	pthread_join(t, NULL);
	close(fd);
	/* Not a socket: refused before any connect. */
	assert_int_equal(host_put_string(&rt, &host, "run/plain", "x", 0600, NULL), 0);
	assert_int_equal(host_unix_request(&rt, &host, "run/plain", "x", 300, &out), -1);
	assert_non_null(strstr(error_last(), "is not a socket"));
	error_clear();
}

static void test_signals_only_to_the_hosts_processes(void **state)
{
	struct host_proc p, stale;
	pid_t child = waiting_child();
	int status;

	(void)state;
	assert_int_equal(host_proc_of_pid(&rt, &host, child, &p), 0);
	assert_true(host_proc_alive(&rt, &host, &p));
	assert_true(p.state == 'S' || p.state == 'R');
	/* A stopped process says so (a pause fault's evidence), and its identity holds. */
	assert_int_equal(host_signal(&rt, &host, &p, SIGSTOP), 0);
	assert_int_equal(waitpid(child, &status, WUNTRACED), child);
	assert_int_equal(host_proc_of_pid(&rt, &host, child, &stale), 0);
	assert_int_equal(stale.state, 'T');
	assert_true(stale.start == p.start);
	assert_int_equal(host_signal(&rt, &host, &p, SIGCONT), 0);
	/* The same PID with another start time is another process: never signalled. */
	stale = p;
	stale.start += 1;
	assert_int_equal(host_signal(&rt, &host, &stale, SIGKILL), PD_ENOTFOUND);
	error_clear();
	assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* still alive */
	/* A host whose namespace is not the child's: the child is not its process. */
	free(host.netns_path);
	host.netns_path = xstrdup("/nonexistent/ns");
	assert_int_equal(host_proc_of_pid(&rt, &host, child, &stale), PD_ENOTFOUND);
	assert_int_equal(host_signal(&rt, &host, &p, SIGKILL), PD_ENOTFOUND);
	error_clear();
	assert_int_equal(waitpid(child, &status, WNOHANG), 0);
	free(host.netns_path);
	host.netns_path = xstrdup("/proc/self/ns/net");
	/* PID 1 and below are nobody's. */
	assert_int_equal(host_proc_of_pid(&rt, &host, 1, &stale), PD_ENOTFOUND);
	error_clear();
	/* The real one is signalled. */
	assert_int_equal(host_signal(&rt, &host, &p, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_false(host_proc_alive(&rt, &host, &p));
}

/* A log read from an offset: only what came after it, all of a log replaced by a shorter
 * one, and no limit on the log's size (a long-lived lab's postgres.log grows past what
 * host_get_log reads whole). */
static void test_log_from_an_offset(void **state)
{
	char *text = NULL, *big;
	long long size = -1;

	(void)state;
	assert_int_equal(host_put_log(&rt, &host, "offsets", "before\n"), 0);
	assert_int_equal(host_log_size(&rt, &host, "offsets", &size), 0);
	assert_int_equal(size, 7);
	assert_int_equal(host_put_log(&rt, &host, "offsets", "before\nafter\n"), 0);
	assert_int_equal(host_get_log_from(&rt, &host, "offsets", 7, &text, &size), 0);
	assert_string_equal(text, "after\n");
	assert_int_equal(size, 13);
	free(text);
	assert_int_equal(host_put_log(&rt, &host, "offsets", "new\n"), 0);
	assert_int_equal(host_get_log_from(&rt, &host, "offsets", 7, &text, &size), 0);
	assert_string_equal(text, "new\n");
	free(text);
	assert_int_equal(host_log_size(&rt, &host, "missing", &size), PD_ENOTFOUND);
	error_clear();
	big = xmalloc(HOST_FILE_MAX + 9);
	memset(big, 'x', HOST_FILE_MAX);
	memcpy(big + HOST_FILE_MAX, "the end\n", 9);
	assert_int_equal(host_put_log(&rt, &host, "offsets", big), 0);
	free(big);
	assert_int_equal(host_get_log(&rt, &host, "offsets", &text), -1);
	error_clear();
	assert_int_equal(host_get_log_from(&rt, &host, "offsets", HOST_FILE_MAX, &text, &size), 0);
	assert_string_equal(text, "the end\n");
	assert_int_equal(size, (long long)HOST_FILE_MAX + 8);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_places_map),
	    cmocka_unit_test(test_dry_run),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_paths_outside_refused),
	    cmocka_unit_test(test_planted_links),
	    cmocka_unit_test(test_ballast),
	    cmocka_unit_test(test_logs),
	    cmocka_unit_test(test_log_from_an_offset),
	    cmocka_unit_test(test_socket_deadline),
	    cmocka_unit_test(test_signals_only_to_the_hosts_processes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
