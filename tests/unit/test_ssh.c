/* The SSH layer against a real OpenSSH server on loopback, started by this test with
 * keys of its own: host keys are never blindly accepted (unknown, pinned, accepted and
 * changed), a command's deadline always holds, a missing exit status is an error and never
 * 0, both output streams arrive whole, files go back and forth over SFTP, a partitioned
 * server is noticed by keepalives. The test runs in a network namespace of its own (its
 * loopback only), so its partition touches nothing else on the machine.
 * Needs root (sshd, unshare, nft) and the openssh-server package (scripts/install-deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "remote/ssh.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/strbuf.h"

static char dir[] = "/tmp/pgdrill-test-ssh-XXXXXX";
static int port;
static pid_t sshd_pid;
static char *known_hosts, *client_key, *host_key, *said;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The sshd this test started, by its PID. */
static void stop_sshd(void)
{
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
		sshd_pid = 0;
	}
}

static int start_sshd(void)
{
	char *conf = xasprintf("%s/sshd_config", dir), *text;
	long long deadline = proc_now_ms() + 10000;

	text =
	    xasprintf("ListenAddress 127.0.0.1\nPort %d\nHostKey %s\nPidFile %s/sshd.pid\n"
	              "AuthorizedKeysFile %s/authorized_keys\nPermitRootLogin prohibit-password\n"
	              "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
	              "StrictModes no\nSubsystem sftp internal-sftp\n"
	              /* A session whose client went away behind the partition test ends in
	               * 3 s instead of staying behind in the deleted namespace. */
	              "ClientAliveInterval 1\nClientAliveCountMax 3\n",
	              port, host_key, dir, dir);
	fs_write_string(conf, text, 0600, NULL);
	free(text);
	sshd_pid = fork();
	if (sshd_pid == 0) {
		char *log = xasprintf("%s/sshd.log", dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		/* Absolute paths, program and config: sshd re-executes itself with them. */
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", conf, (char *)NULL);
		_exit(127);
	}
	free(conf);
	/* Ready when it accepts a connection. */
	while (proc_now_ms() < deadline) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		int fd = socket(AF_INET, SOCK_STREAM, 0), up;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (fd >= 0)
			close(fd);
		if (up)
			return 0;
		usleep(50000);
	}
	stop_sshd();
	return -1;
}

static int setup(void **state)
{
	(void)state;
	if (access("/usr/sbin/sshd", X_OK) != 0) {
		fprintf(stderr, "test_ssh: /usr/sbin/sshd is missing (scripts/install-deps.sh)\n");
		return -1;
	}
	if (!mkdtemp(dir))
		return -1;
	mkdir("/run/sshd", 0755); /* sshd's privilege separation directory */
	/* A port of our own: above the ephemeral range's usual start, per process. */
	port = 20000 + (int)(getpid() % 20000);
	known_hosts = xasprintf("%s/known_hosts", dir);
	client_key = xasprintf("%s/client", dir);
	host_key = xasprintf("%s/host", dir);
	said = xasprintf("%s/said", dir);
	if (sh("ssh-keygen -q -t ed25519 -N '' -f %s && ssh-keygen -q -t ed25519 -N '' -f %s && "
	       "cp %s.pub %s/authorized_keys",
	       client_key, host_key, client_key, dir) != 0)
		return -1;
	return start_sshd();
}

static int teardown(void **state)
{
	(void)state;
	stop_sshd();
	fs_remove_tree(dir);
	free(known_hosts);
	free(client_key);
	free(host_key);
	free(said);
	return 0;
}

static struct ssh_target target(bool accept_new, const char *pinned)
{
	struct ssh_target t = {.name = "node1",
	                       .host = "127.0.0.1",
	                       .port = port,
	                       .user = "root",
	                       .key_file = client_key,
	                       .known_hosts = known_hosts,
	                       .pinned_key = pinned,
	                       .accept_new = accept_new,
	                       .connect_timeout_ms = 5000};
	return t;
}

static char *host_fingerprint(void)
{
	char *out = NULL,
	     *cmd = xasprintf("ssh-keygen -l -E sha256 -f %s.pub | cut -d' ' -f2 > "
	                      "%s/fp",
	                      host_key, dir),
	     *path = xasprintf("%s/fp", dir);

	assert_int_equal(system(cmd), 0);
	assert_int_equal(fs_read_file(path, &out, NULL), 0);
	out[strcspn(out, "\n")] = '\0';
	free(cmd);
	free(path);
	return out;
}

static void test_host_keys(void **state)
{
	struct ssh_target t = target(false, NULL);
	struct ssh_link *l = NULL;
	char *fp = host_fingerprint(), *text = NULL;
	FILE *say;

	(void)state;
	unlink(known_hosts);
	/* Unknown and neither pinned nor accepted: refused, with the fingerprint to check. */
	error_clear();
	assert_int_equal(ssh_link_open(&l, &t), -1);
	assert_null(l);
	assert_non_null(strstr(error_last(), "unknown host key"));
	assert_non_null(strstr(error_last(), fp));
	assert_non_null(strstr(error_last(), "--accept-new-host-keys"));
	assert_false(fs_exists(known_hosts) && fs_read_file(known_hosts, &text, NULL) == 0 &&
	             strlen(text) > 0);
	free(text);
	text = NULL;
	/* A wrong pin: refused. */
	error_clear();
	t = target(true, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(ssh_link_open(&l, &t), -1);
	assert_non_null(strstr(error_last(), "not the pinned"));
	/* Accepted on purpose: printed and recorded. */
	error_clear();
	say = fopen(said, "w");
	t = target(true, NULL);
	t.say = say;
	assert_int_equal(ssh_link_open(&l, &t), 0);
	fclose(say);
	ssh_link_free(l);
	assert_int_equal(fs_read_file(said, &text, NULL), 0);
	assert_non_null(strstr(text, "accepted new host key"));
	assert_non_null(strstr(text, fp));
	free(text);
	/* Known now: no flag needed. */
	t = target(false, NULL);
	assert_int_equal(ssh_link_open(&l, &t), 0);
	ssh_link_free(l);
	/* The host gets a new key (rebuilt, or someone in the middle): refused even with
	 * --accept-new-host-keys, and no command runs. */
	stop_sshd();
	assert_int_equal(sh("rm -f %s %s.pub && ssh-keygen -q -t ed25519 -N '' -f %s", host_key,
	                    host_key, host_key),
	                 0);
	assert_int_equal(start_sshd(), 0);
	error_clear();
	t = target(true, NULL);
	assert_int_equal(ssh_link_open(&l, &t), -1);
	assert_non_null(strstr(error_last(), "host key CHANGED"));
	assert_non_null(strstr(error_last(), "nothing was sent"));
	error_clear();
	/* The test goes on with the new key accepted explicitly. */
	unlink(known_hosts);
	assert_int_equal(ssh_link_open(&l, &t), 0);
	ssh_link_free(l);
	free(fp);
}

static struct ssh_link *link_up(void)
{
	struct ssh_target t = target(true, NULL);
	struct ssh_link *l = NULL;

	t.say = fopen("/dev/null", "w");
	assert_int_equal(ssh_link_open(&l, &t), 0);
	fclose(t.say);
	return l;
}

static void test_exec(void **state)
{
	struct ssh_link *l = link_up();
	struct proc_result res;
	long long t0;

	(void)state;
	assert_int_equal(ssh_link_exec(l, "echo out; echo err >&2; exit 3", NULL, 5000, &res), 0);
	assert_int_equal(res.status, 3);
	assert_string_equal(res.out, "out\n");
	assert_string_equal(res.err, "err\n");
	proc_result_free(&res);
	assert_int_equal(ssh_link_exec(l, "cat", "it's input\n", 5000, &res), 0);
	assert_string_equal(res.out, "it's input\n");
	proc_result_free(&res);
	/* The deadline holds, and the link still works afterwards. */
	t0 = proc_now_ms();
	error_clear();
	assert_int_equal(ssh_link_exec(l, "sleep 30", NULL, 700, &res), -1);
	assert_true(proc_now_ms() - t0 < 3000);
	assert_int_equal(res.status, -1);
	assert_non_null(strstr(error_last(), "did not finish within 700 ms"));
	error_clear();
	proc_result_free(&res);
	/* Killed by a signal: no exit status, which is an error and never 0. */
	assert_int_equal(ssh_link_exec(l, "kill -9 $$", NULL, 5000, &res), -1);
	assert_int_equal(res.status, -1);
	assert_non_null(strstr(error_last(), "no exit status"));
	error_clear();
	proc_result_free(&res);
	/* Both streams at once, several MB each: neither blocks the other. */
	assert_int_equal(ssh_link_exec(l,
	                               "head -c 3000000 /dev/zero | tr '\\0' o & "
	                               "head -c 2000000 /dev/zero | tr '\\0' e >&2; wait",
	                               NULL, 30000, &res),
	                 0);
	assert_int_equal(res.status, 0);
	assert_int_equal(strlen(res.out), 3000000);
	assert_int_equal(strlen(res.err), 2000000);
	proc_result_free(&res);
	assert_int_equal(ssh_link_keepalive(l), 0);
	ssh_link_free(l);
}

static void test_sftp(void **state)
{
	struct ssh_link *l = link_up();
	char *path = xasprintf("%s/remote file.conf", dir), *text = NULL, *big;
	char *link = xasprintf("%s/link", dir);
	struct stat st;
	size_t len, i;

	(void)state;
	assert_int_equal(ssh_link_put(l, path, "a = 1\n", 6, 0640, 5000), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(ssh_link_get(l, path, 1 << 20, 5000, &text, &len), 0);
	assert_string_equal(text, "a = 1\n");
	free(text);
	/* Replaced whole. */
	big = xmalloc(1 << 20);
	for (i = 0; i < 1 << 20; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(ssh_link_put(l, path, big, 1 << 20, 0600, 10000), 0);
	assert_int_equal(ssh_link_get(l, path, 2 << 20, 10000, &text, &len), 0);
	assert_int_equal(len, 1 << 20);
	assert_memory_equal(text, big, 1 << 20);
	free(text);
	/* Too large, missing, a link: each refused with its reason. */
	error_clear();
	assert_int_equal(ssh_link_get(l, path, 1000, 5000, &text, &len), -1);
	assert_non_null(strstr(error_last(), "larger than"));
	error_clear();
	assert_int_equal(ssh_link_get(l, "/nonexistent/x", 1000, 5000, &text, &len), PD_ENOTFOUND);
	error_clear();
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ssh_link_get(l, link, 2 << 20, 5000, &text, &len), -1);
	assert_non_null(strstr(error_last(), "not a regular file"));
	error_clear();
	free(big);
	free(path);
	free(link);
	ssh_link_free(l);
}

static void test_unreachable(void **state)
{
	struct ssh_target t = target(true, NULL);
	struct ssh_link *l = NULL;

	(void)state;
	/* Nothing listens on the port below ours. */
	t.port = port - 1;
	error_clear();
	assert_int_equal(ssh_link_open(&l, &t), -1);
	assert_non_null(strstr(error_last(), "cannot connect"));
	assert_non_null(strstr(error_last(), "host node1 (root@127.0.0.1:"));
	error_clear();
	/* A key the server does not know. */
	t = target(true, NULL);
	t.key_file = host_key;
	assert_int_equal(ssh_link_open(&l, &t), -1);
	assert_non_null(strstr(error_last(), "authentication refused for user root"));
	error_clear();
}

/* The server stops answering (nftables drops its port both ways, in this test's own
 * network namespace) while the link is idle: keepalives notice within the kernel's
 * timeouts (about 11 s), and the link says it is gone instead of hanging. */
static void test_keepalive_partition(void **state)
{
	struct ssh_link *l = link_up();
	long long t0, deadline;
	int rc = 0;

	(void)state;
	assert_int_equal(ssh_link_keepalive(l), 0);
	assert_int_equal(sh("nft add table inet pgdrill_ut && nft add chain inet pgdrill_ut c "
	                    "'{ type filter hook output priority 0; }' && nft add rule inet "
	                    "pgdrill_ut c tcp dport %d drop && nft add rule inet pgdrill_ut c tcp "
	                    "sport %d drop",
	                    port, port),
	                 0);
	t0 = proc_now_ms();
	deadline = t0 + 60000;
	error_clear();
	while (proc_now_ms() < deadline && (rc = ssh_link_keepalive(l)) == 0)
		usleep(500000);
	sh("nft delete table inet pgdrill_ut");
	assert_int_equal(rc, -1);
	assert_non_null(strstr(error_last(), "the connection is gone"));
	fprintf(stderr, "partition noticed after %.1f s\n", (double)(proc_now_ms() - t0) / 1000.0);
	error_clear();
	ssh_link_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_keys),
	    cmocka_unit_test(test_exec),
	    cmocka_unit_test(test_sftp),
	    cmocka_unit_test(test_unreachable),
	    cmocka_unit_test(test_keepalive_partition),
	};

	/* A network of our own: sshd, the client and the partition live only in it. */
	if (unshare(CLONE_NEWNET) < 0 || sh("ip link set lo up") != 0) {
		fprintf(stderr, "test_ssh: cannot make a network namespace (needs root)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
