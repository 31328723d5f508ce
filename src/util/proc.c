#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/strbuf.h"

int proc_self_exe(char *buf, size_t cap)
{
	ssize_t len = readlink("/proc/self/exe", buf, cap - 1);

	if (len < 0)
		return error_set("cannot find pgdrill's own binary (/proc/self/exe): %s",
		                 strerror(errno));
	buf[len] = '\0';
	return 0;
}

long long proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double proc_wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *proc_argv_string(char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; argv[i]; i++) {
		if (i)
			strbuf_putc(&sb, ' ');
		if (strpbrk(argv[i], " \t'\"$") || !*argv[i])
			strbuf_printf(&sb, "'%s'", argv[i]);
		else
			strbuf_puts(&sb, argv[i]);
	}
	return strbuf_detach(&sb);
}

char *proc_tail(const char *text, int lines)
{
	const char *end, *p;
	int n = 0;

	if (!text)
		return xstrdup("");
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		end--;
	for (p = end; p > text; p--) {
		if (p[-1] == '\n' && ++n == lines)
			break;
	}
	{
		size_t len = (size_t)(end - p);
		char *s = xmalloc(len + 1);

		memcpy(s, p, len);
		s[len] = '\0';
		return s;
	}
}

/* What the child tells the parent when a step before exec fails. */
struct child_failure {
	int err;
	char step[96];
};

static void child_fail(int fd, const char *step)
{
	struct child_failure f;
	ssize_t unused;

	f.err = errno;
	snprintf(f.step, sizeof(f.step), "%s", step);
	unused = write(fd, &f, sizeof(f));
	(void)unused;
	_exit(127);
}

static void build_env(const struct proc_spec *spec, const struct passwd *pw, char **env, size_t cap)
{
	static char path[4096];
	static char lang[] = "LANG=C.UTF-8";
	static char home[512], user[128], logname[128];
	const char *override = getenv("PGDRILL_PATH");
	size_t n = 0, i;

	snprintf(path, sizeof(path), "PATH=%s", override && *override ? override : PROC_PATH);
	env[n++] = path;
	env[n++] = lang;
	if (pw) {
		snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
		snprintf(user, sizeof(user), "USER=%s", pw->pw_name);
		snprintf(logname, sizeof(logname), "LOGNAME=%s", pw->pw_name);
		env[n++] = home;
		env[n++] = user;
		env[n++] = logname;
	} else {
		static char roothome[] = "HOME=/root";

		env[n++] = roothome;
	}
	for (i = 0; spec->env && spec->env[i] && n + 1 < cap; i++)
		env[n++] = spec->env[i];
	env[n] = NULL;
}

/* Runs in the child between fork and exec: only async-signal-safe work in spirit (we
 * are single-threaded at fork time, so getpwnam was done before fork). */
enum child_group {
	GROUP_SAME,    /* stays in the caller's process group: the terminal's (pgdrill exec) */
	GROUP_NEW,     /* own group: a timeout kills it with its children */
	GROUP_SESSION, /* own session: a daemon that outlives pgdrill */
};

static void child_setup(const struct proc_spec *spec, const struct passwd *pw, int report_fd,
                        int in_fd, int out_fd, int err_fd, enum child_group group)
{
	char *env[64];

	if ((group == GROUP_SESSION && setsid() < 0) || (group == GROUP_NEW && setpgid(0, 0) < 0))
		child_fail(report_fd, "setsid");
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (spec->netns) {
		int fd = open(spec->netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			child_fail(report_fd, "open network namespace");
		if (setns(fd, CLONE_NEWNET) < 0)
			child_fail(report_fd, "enter network namespace");
		close(fd);
	}
	if (spec->hosts_file) {
		if (unshare(CLONE_NEWNS) < 0)
			child_fail(report_fd, "unshare mount namespace");
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			child_fail(report_fd, "make mounts private");
		if (mount(spec->hosts_file, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
			child_fail(report_fd, "bind-mount /etc/hosts");
	}
	if (in_fd >= 0 && dup2(in_fd, 0) < 0)
		child_fail(report_fd, "redirect stdin");
	if (out_fd >= 0 && dup2(out_fd, 1) < 0)
		child_fail(report_fd, "redirect stdout");
	if (err_fd >= 0 && dup2(err_fd, 2) < 0)
		child_fail(report_fd, "redirect stderr");
	if (pw) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0)
			child_fail(report_fd, "set groups");
		if (setuid(pw->pw_uid) < 0)
			child_fail(report_fd, "set user");
	}
	if (chdir(spec->cwd ? spec->cwd : "/") < 0)
		child_fail(report_fd, "change directory");
	build_env(spec, pw, env, sizeof(env) / sizeof(env[0]));
	/* Everything but 0-2 and the report pipe (close-on-exec) goes. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != report_fd)
			close(fd);
	{
		/* execvpe searches the PATH of the new environment only through env; set it. */
		char *const *a = spec->argv;

		environ = env;
		execvp(a[0], a);
	}
	child_fail(report_fd, "exec");
}

/* Forks and sets up the child; returns the pid or -1 with the error set. The extra fds
 * are the child's stdio (-1 = /dev/null or inherit). */
static pid_t fork_child(const struct proc_spec *spec, int in_fd, int out_fd, int err_fd,
                        enum child_group group)
{
	struct passwd *pw = NULL;
	struct child_failure f;
	int report[2], pid_pipe[2] = {-1, -1};
	ssize_t n;
	pid_t pid;
	char *cmd;

	if (spec->user && !(pw = getpwnam(spec->user))) {
		cmd = proc_argv_string(spec->argv);
		error_set(
		    "cannot run '%s': no user '%s' on this machine (is its package installed?)",
		    cmd, spec->user);
		free(cmd);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) < 0)
		return error_set("pipe: %s", strerror(errno));
	if (group == GROUP_SESSION && pipe2(pid_pipe, O_CLOEXEC) < 0) {
		close(report[0]);
		close(report[1]);
		return error_set("pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(report[0]);
		close(report[1]);
		return error_set("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(report[0]);
		if (group == GROUP_SESSION) {
			/* Daemons are grandchildren: never our zombies to reap, whatever kills
			 * them (a killed postmaster that stays a zombie blocks pg_rewind). The
			 * middle process tells us the real PID and leaves. */
			pid_t grandchild = fork();

			if (grandchild == 0)
				child_setup(spec, pw, report[1], in_fd, out_fd, err_fd, group);
			if (write(pid_pipe[1], &grandchild, sizeof(grandchild)) < 0)
				_exit(1);
			_exit(grandchild < 0 ? 1 : 0);
		}
		child_setup(spec, pw, report[1], in_fd, out_fd, err_fd, group);
	}
	close(report[1]);
	if (group == GROUP_SESSION) {
		pid_t middle = pid;

		close(pid_pipe[1]);
		if (read(pid_pipe[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || pid <= 0)
			pid = -1;
		close(pid_pipe[0]);
		waitpid(middle, NULL, 0);
		if (pid < 0) {
			close(report[0]);
			return error_set("fork: %s", strerror(errno));
		}
	}
	do
		n = read(report[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof(f)) {
		waitpid(pid, NULL, 0);
		cmd = proc_argv_string(spec->argv);
		if (strcmp(f.step, "exec") == 0 && f.err == ENOENT)
			error_set(
			    "cannot run '%s': '%s' is not installed (run scripts/install-deps.sh)",
			    cmd, spec->argv[0]);
		else
			error_set("cannot run '%s': %s failed: %s", cmd, f.step, strerror(f.err));
		free(cmd);
		return -1;
	}
	return pid;
}

int proc_start(const struct proc_spec *spec, struct proc_handle *out)
{
	int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
	int devnull = -1;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	out->out_fd = out->err_fd = -1;
	if (spec->inherit_stdio) {
		pid = fork_child(spec, -1, -1, -1, GROUP_SAME);
	} else {
		if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
			return error_set("pipe: %s", strerror(errno));
		if (spec->input) {
			if (pipe2(in, O_CLOEXEC) < 0)
				return error_set("pipe: %s", strerror(errno));
		} else {
			devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		}
		pid = fork_child(spec, spec->input ? in[0] : devnull, o[1], e[1], GROUP_NEW);
		close(o[1]);
		close(e[1]);
		if (devnull >= 0)
			close(devnull);
		if (spec->input) {
			close(in[0]);
			if (pid > 0) {
				/* Inputs are small (passwords, SQL): they fit in the pipe. */
				ssize_t unused = write(in[1], spec->input, strlen(spec->input));

				(void)unused;
			}
			close(in[1]);
		}
		if (pid < 0) {
			close(o[0]);
			close(e[0]);
			return -1;
		}
		out->out_fd = o[0];
		out->err_fd = e[0];
	}
	if (pid < 0)
		return -1;
	out->pid = pid;
	out->spec = spec;
	out->started_ms = proc_now_ms();
	return 0;
}

/* What pgdrill keeps of one stream of a command's output: a command that writes without
 * end is still read to its end, but held to this. */
#define PROC_OUTPUT_MAX (16u << 20)

static void drain(int *fd, struct strbuf *sb)
{
	static const char cut[] = "\n[pgdrill: output cut at 16 MB]\n";
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb->len + (size_t)n <= PROC_OUTPUT_MAX)
			strbuf_add(sb, buf, (size_t)n);
		else if (sb->len <= PROC_OUTPUT_MAX)
			strbuf_add(sb, cut, sizeof(cut) - 1); /* once: the length passes the cap */
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

int proc_finish(struct proc_handle *h, struct proc_result *res)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int status = 0, timed_out = 0;

	while (h->out_fd >= 0 || h->err_fd >= 0) {
		struct pollfd p[2] = {{h->out_fd, POLLIN, 0}, {h->err_fd, POLLIN, 0}};
		int wait_ms = -1;

		if (h->spec->timeout_ms > 0) {
			long long left = h->started_ms + h->spec->timeout_ms - proc_now_ms();

			if (left <= 0) {
				kill(-h->pid, SIGKILL);
				timed_out = 1;
				wait_ms = 200; /* collect what is left, then give up */
			} else {
				wait_ms = (int)left;
			}
		}
		if (poll(p, 2, wait_ms) == 0 && timed_out)
			break;
		if (p[0].revents && h->out_fd >= 0)
			drain(&h->out_fd, &out);
		if (p[1].revents && h->err_fd >= 0)
			drain(&h->err_fd, &err);
	}
	if (h->out_fd >= 0)
		close(h->out_fd);
	if (h->err_fd >= 0)
		close(h->err_fd);
	h->out_fd = h->err_fd = -1;
	if (timed_out)
		kill(-h->pid, SIGKILL);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		res->status = -1;
	else if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else
		res->status = 128 + WTERMSIG(status);
	res->out = strbuf_detach(&out);
	res->err = strbuf_detach(&err);
	return 0;
}

int proc_run(const struct proc_spec *spec, struct proc_result *res)
{
	struct proc_handle h;

	memset(res, 0, sizeof(*res));
	if (proc_start(spec, &h) < 0)
		return -1;
	return proc_finish(&h, res);
}

int proc_spawn(const struct proc_spec *spec, pid_t *out_pid)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Never through a link: a log directory is root's, and a link there is nobody's. */
	int log = open(spec->log_path ? spec->log_path : "/dev/null",
	               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (spec->log_path ? O_NOFOLLOW : 0),
	               0640);
	pid_t pid;

	if (in < 0 || log < 0) {
		int e = errno;

		if (in >= 0)
			close(in);
		return error_set("cannot open log file %s: %s", spec->log_path, strerror(e));
	}
	if (spec->user) {
		struct passwd *pw = getpwnam(spec->user);

		if (pw && fchown(log, pw->pw_uid, pw->pw_gid) < 0) {
			/* root-owned log still works: the fd is opened before the uid changes */
		}
	}
	pid = fork_child(spec, in, log, log, GROUP_SESSION);
	close(in);
	close(log);
	if (pid < 0)
		return -1;
	*out_pid = pid;
	return 0;
}

void proc_result_free(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

char proc_state_letter(pid_t pid)
{
	char path[64], buf[512], *p, state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		state = p[2];
	fclose(f);
	return state;
}

bool process_is_zombie(pid_t pid)
{
	char state = proc_state_letter(pid);

	return state == 0 || state == 'Z' || state == 'X';
}
