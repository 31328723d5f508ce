/* The team's own client as the workload (kind "command"): a program pgdrill starts in the
 * lab's client network, as an application runs, with the write listener in PGHOST and
 * PGPORT (the application's role and password in PGUSER, PGPASSWORD, PGDATABASE) and this
 * run's id in PGDRILL_RUN. It writes rows into the books table (run, id, client, title)
 * and prints one line per operation on its standard output, tab-separated:
 *
 *   op  KIND  ID  START_US  END_US  OUTCOME  SERVER  [MESSAGE]
 *
 * KIND write or read; ID its book's id (a positive whole number, unique in the run);
 * START_US and END_US when the operation began and got its answer, in microseconds of
 * Unix time; OUTCOME ok, failed (certainly not applied) or indeterminate (sent, no
 * answer); SERVER the IPv4 address that answered, or "-". Every other line goes to
 * command.log beside the history, as does its standard error. Each op line becomes a
 * record of the history, so every verdict (RTO, lost writes, split brain, continuity)
 * is about what that client saw. On stop it gets SIGTERM (its process group), then
 * SIGKILL 3 s later. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "provider/host.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "workload/internal.h"

#define LINE_MAX_BYTES 4096

static int64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int workload_command_parse(const char *line, int64_t realtime_offset_us, int64_t t0_us,
                           struct op_record *r, char *msg, size_t msg_len)
{
	char kind[8], outcome[16], server[64];
	long long id, start, end;
	int used = 0;
	struct in_addr a;

	memset(r, 0, sizeof(*r));
	/* Tabs between the seven fields, no blank inside them (scanf would take any blank). */
	{
		const char *p = line;
		int f;

		for (f = 0; f < 7; f++) {
			size_t n = strcspn(p, "\t ");

			if (n == 0 || (f < 6 && p[n] != '\t') || (f == 6 && p[n] && p[n] != '\t'))
				return -1;
			p += n + (f < 6);
		}
	}
	if (sscanf(line, "op\t%7[a-z]\t%lld\t%lld\t%lld\t%15[a-z]\t%63[0-9.-]%n", kind, &id, &start,
	           &end, outcome, server, &used) != 6 ||
	    (line[used] && line[used] != '\t'))
		return -1;
	if (strcmp(kind, "write") == 0)
		r->kind = OP_WRITE;
	else if (strcmp(kind, "read") == 0)
		r->kind = OP_READ;
	else
		return -1;
	if (strcmp(outcome, "ok") == 0)
		r->outcome = OP_OK;
	else if (strcmp(outcome, "failed") == 0)
		r->outcome = OP_FAILED;
	else if (strcmp(outcome, "indeterminate") == 0 && r->kind == OP_WRITE)
		r->outcome = OP_INDETERMINATE;
	else
		return -1;
	if (id < 0 || start <= 0 || end < start)
		return -1;
	if (strcmp(server, "-") != 0) {
		if (inet_pton(AF_INET, server, &a) != 1)
			return -1;
		r->server = ntohl(a.s_addr);
	}
	r->id = id;
	r->start_us = start - realtime_offset_us - t0_us;
	r->end_us = end - realtime_offset_us - t0_us;
	if (r->outcome != OP_OK)
		snprintf(r->error, sizeof(r->error), "%s",
		         r->outcome == OP_FAILED ? "client" : OP_ERR_LOST);
	snprintf(msg, msg_len, "%s", line[used] ? line + used + 1 : "");
	return 0;
}

/* The child: the client network is the thread's already; its output goes to the pipe,
 * its errors to the log, and it gets a process group of its own. */
static void exec_command(struct workload *w, int out_fd, int log_fd)
{
	char port[16], run[32];

	snprintf(port, sizeof(port), "%s", w->write_port);
	snprintf(run, sizeof(run), "%lld", (long long)w->run_id);
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(127);
	setsid();
	setenv("PGHOST", w->proxy_addr, 1);
	setenv("PGPORT", port, 1);
	setenv("PGUSER", w->rt->lab->credentials.app_user, 1);
	setenv("PGPASSWORD", w->password, 1);
	setenv("PGDATABASE", w->rt->lab->credentials.app_database, 1);
	setenv("PGCONNECT_TIMEOUT", "2", 1);
	setenv("PGDRILL_RUN", run, 1);
	execl("/bin/sh", "sh", "-c", w->o.command, (char *)NULL);
	_exit(127);
}

/* Each complete line of `buf`: an op record, or a line for the log. Returns the bytes
 * used (the rest is an incomplete line). */
static size_t take_lines(struct workload *w, char *buf, size_t len, int64_t offset, FILE *log)
{
	size_t used = 0;

	for (;;) {
		char *nl = memchr(buf + used, '\n', len - used), msg[200];
		struct op_record r;

		if (!nl)
			return used;
		*nl = '\0';
		if (workload_command_parse(buf + used, offset, w->o.t0_us, &r, msg, sizeof(msg)) == 0)
			workload_record(w, &r, msg);
		else if (log)
			fprintf(log, "%s\n", buf + used);
		used = (size_t)(nl - buf) + 1;
	}
}

void *workload_command_main(void *arg)
{
	struct workload *w = arg;
	int pipefd[2] = {-1, -1}, log_fd;
	char *log_path = xasprintf("%s/command.log", w->dir);
	char buf[LINE_MAX_BYTES];
	size_t have = 0;
	int64_t offset, term_at = 0;
	FILE *log = NULL;
	pid_t pid;

	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd >= 0)
		log = fdopen(dup(log_fd), "w");
	if (log_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0 || lab_client_enter(w->rt, NULL) < 0) {
		fprintf(stderr, "pgdrill: workload command: cannot start it (%s)\n",
		        error_pending() ? error_last() : strerror(errno));
		goto out;
	}
	offset = realtime_us() - workload_now_us();
	pid = fork();
	if (pid == 0)
		exec_command(w, pipefd[1], log_fd);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (pid < 0)
		goto out;
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		ssize_t n;

		if (atomic_load(&w->stop) && !term_at) {
			kill(-pid, SIGTERM); /* our child, not yet reaped: its group is its own */
			term_at = workload_now_us();
		}
		if (term_at && workload_now_us() - term_at > 3000000) {
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(pipefd[0], buf + have, sizeof(buf) - 1 - have);
		if (n == 0)
			break; /* it closed its output: it ended */
		if (n < 0)
			continue;
		have += (size_t)n;
		{
			size_t used = take_lines(w, buf, have, offset, log);

			memmove(buf, buf + used, have - used);
			have -= used;
			if (have == sizeof(buf) - 1)
				have = 0; /* a line longer than any op line: dropped */
		}
	}
	/* It ends (or was killed); a stray descendant holding the pipe gets the same. */
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (log_fd >= 0)
		close(log_fd);
	if (log)
		fclose(log);
	free(log_path);
	return NULL;
}
