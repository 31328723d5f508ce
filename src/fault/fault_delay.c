/* Latency and jitter without netem: iptables inside the host sends what it sends (to the
 * peers, or to anyone) to an NFQUEUE that pgdrill's delayer serves; each packet is held
 * for the delay and let go. The rule carries the fault's comment, pgdrill-delay-QUEUE,
 * and --queue-bypass: with no delayer listening, packets pass rather than vanish. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/client.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define COMMENT "pgdrill-delay-"

/* The queue, and the delayer serving it (PID 0 until it runs). */
struct delay_state {
	int queue;
	struct host_proc delayer;
};

static int delay_parse(const char *text, void *state)
{
	struct delay_state *s = state;
	long pid;
	int queue, used = 0;

	if (sscanf(text, "%d %ld %llu%n", &queue, &pid, &s->delayer.start, &used) != 3 ||
	    text[used] || queue < 1000 || queue > 65535 || pid < 0 || pid > 1 << 22 || pid == 1)
		return error_set("'%s' is not 'QUEUE PID STARTTIME' of a delay", text);
	s->queue = queue;
	s->delayer.pid = (pid_t)pid;
	return 0;
}

static int iptables(const struct lab_rt *rt, const struct lab_host_rt *h, char **argv,
                    struct proc_result *res)
{
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};

	if (host_run(rt, h, &spec, res) < 0)
		return -1;
	if (res->status != 0) {
		char *cmd = proc_argv_string(argv), *tail = proc_tail(res->err, 3);

		error_set("host %s: %s (exit %d): %s", h->def->name, cmd, res->status, tail);
		free(cmd);
		free(tail);
		proc_result_free(res);
		return -1;
	}
	return 0;
}

/* The lines of TEXT that contain NEEDLE, each ending in " \n" (the space lets a needle
 * match a word at the end of a line), owned. */
static char *lines_with(const char *text, const char *needle)
{
	struct strbuf sb = STRBUF_INIT;
	const char *line = text;
	char *out;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char *one = xasprintf("%.*s ", (int)len, line);

		if (strstr(one, needle))
			strbuf_printf(&sb, "%s\n", one);
		free(one);
		line += len + (line[len] != '\0');
	}
	out = strbuf_detach(&sb);
	return out ? out : xstrdup("");
}

/* The OUTPUT rules of this fault as `iptables -S` prints them ("-A OUTPUT ..."), one per
 * line (owned), or NULL with the error set. */
static char *own_rules(const struct lab_rt *rt, const struct lab_host_rt *h, int queue)
{
	char *argv[] = {"iptables", "-w", "5", "-S", "OUTPUT", NULL};
	char comment[48], *rules;
	struct proc_result res;

	if (iptables(rt, h, argv, &res) < 0)
		return NULL;
	snprintf(comment, sizeof(comment), " " COMMENT "%d ", queue);
	rules = lines_with(res.out, comment);
	proc_result_free(&res);
	return rules;
}

/* Each rule line deleted: "-A OUTPUT x y" becomes iptables -w 5 -D OUTPUT x y. */
static int delete_rules(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rules)
{
	const char *line;

	for (line = rules; *line; line += strcspn(line, "\n") + 1) {
		char *copy = xasprintf("%.*s", (int)strcspn(line, "\n"), line), *save = NULL, *w;
		char *argv[40] = {"iptables", "-w", "5", "-D"};
		size_t n = 4;
		struct proc_result res;
		int rc;

		strtok_r(copy, " ", &save); /* "-A" */
		while ((w = strtok_r(NULL, " ", &save)) && n < 39)
			argv[n++] = w;
		argv[n] = NULL;
		rc = iptables(rt, h, argv, &res);
		if (rc == 0)
			proc_result_free(&res);
		free(copy);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int stop_delay(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	const struct delay_state *s = state;
	char *rules = own_rules(rt, h, s->queue);
	int rc = rules ? delete_rules(rt, h, rules) : -1;

	free(rules);
	if (rc < 0)
		return -1;
	/* The rules are gone: what the delayer still holds goes out when it ends. */
	if (s->delayer.pid > 1 && host_signal(rt, h, &s->delayer, SIGTERM) == 0 &&
	    !host_proc_wait_end(rt, h, &s->delayer, 3000))
		host_signal(rt, h, &s->delayer, SIGKILL);
	error_clear(); /* a delayer already gone is fine */
	return 0;
}

static char *stop_by_hand(const struct lab_host_rt *h, const void *state)
{
	const struct delay_state *s = state;

	(void)h;
	return xasprintf("iptables -S OUTPUT | grep -- '" COMMENT "%d ' (delete each with -D), "
	                 "then kill %d if it is still 'pgdrill-delayer --queue %d'",
	                 s->queue, (int)s->delayer.pid, s->queue);
}

/* The rules' own counters: packets that went to the delayer. */
static int queued(struct fault_set *fs, const struct fault *f, const void *state,
                  struct strbuf *seen)
{
	const struct delay_state *s = state;
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	char *argv[] = {"iptables", "-w", "5", "-L", "OUTPUT", "-v", "-n", "-x", NULL};
	char comment[48];
	struct proc_result res;
	unsigned long long packets = 0;
	const char *line;
	char *ours;
	double rtt;

	if (!h)
		return error_set("no host %s in the lab", f->host);
	if (iptables(fs->rt, h, argv, &res) < 0)
		return -1;
	snprintf(comment, sizeof(comment), "/* " COMMENT "%d */", s->queue);
	ours = lines_with(res.out, comment);
	proc_result_free(&res);
	for (line = ours; *line; line += strcspn(line, "\n") + 1) {
		unsigned long long p;

		if (sscanf(line, "%llu", &p) == 1)
			packets += p;
	}
	free(ours);
	strbuf_printf(seen, "the delayer held %llu packet%s that %s sent", packets,
	              packets == 1 ? "" : "s", f->host);
	if (client_tcp_rtt(fs->rt, h->addr, fs->rt->lab->postgres.port, 5000, &rtt) == 0 &&
	    !strstr(f->target, " to "))
		strbuf_printf(seen, "; round trip from the clients' network now %.1f ms", rtt);
	error_clear();
	return packets > 0;
}

const struct fault_kind fault_kind_delay = {
    .name = "delay",
    .state_size = sizeof(struct delay_state),
    .parse = delay_parse,
    .revert = stop_delay,
    .by_hand = stop_by_hand,
    .effect = queued,
};

/* The delayer, spawned in the host; waits (5 s at most: over SSH each look is a command)
 * until it serves its queue. */
static int start_delayer(struct fault_set *fs, const struct lab_host_rt *h, int queue,
                         int delay_ms, int jitter_ms, struct host_proc *out)
{
	char q[16], d[16], jt[16], what[32];
	char *argv[] = {NULL, "--queue", q, "--delay-ms", d, "--jitter-ms", jt, NULL};
	struct proc_spec spec = {.argv = argv};
	long long deadline;
	int rc;

	if (!(argv[0] = host_helper(fs->rt, h, "delayer")))
		return -1;
	snprintf(q, sizeof(q), "%d", queue);
	snprintf(d, sizeof(d), "%d", delay_ms);
	snprintf(jt, sizeof(jt), "%d", jitter_ms);
	snprintf(what, sizeof(what), "delayer-%d", queue);
	rc = host_spawn(fs->rt, h, &spec, what, out);
	free(argv[0]);
	if (rc < 0)
		return -1;
	deadline = proc_now_ms() + 5000;
	if (fs->rt->dry)
		return 0; /* started in words only: there is nothing to wait for */
	for (;;) {
		char *log = NULL;
		bool serving = host_get_log(fs->rt, h, what, &log) == 0 && strstr(log, "holding each");

		free(log);
		error_clear();
		if (serving)
			return 0;
		if (!host_proc_alive(fs->rt, h, out) || proc_now_ms() >= deadline) {
			char *tail = host_log_tail(fs->rt, h, what, 5);

			/* One that never served is ended here: the fault's state does not name it
			 * yet, so no revert would. */
			if (host_proc_alive(fs->rt, h, out) &&
			    host_signal(fs->rt, h, out, SIGKILL) == 0)
				host_proc_wait_end(fs->rt, h, out, 3000);
			error_set("host %s: the delayer did not serve queue %d%s", h->def->name,
			          queue, tail);
			free(tail);
			return -1;
		}
		usleep(20000);
	}
}

int fault_delay(struct fault_set *fs, const struct lab_host_rt *h, int delay_ms, int jitter_ms,
                const struct lab_host_rt *const *peers, size_t npeers)
{
	struct strbuf addrs = STRBUF_INIT, names = STRBUF_INIT;
	char token[32], state[96], comment[48], q[16], target[160], how[320];
	char *argv[24] = {"iptables", "-w", "5", "-I", "OUTPUT", "-o", "eth0"};
	struct host_proc delayer;
	struct proc_result res;
	struct fault *f;
	double before = -1, after = -1;
	size_t i, n = 7;
	int queue, rc;

	/* A queue number unique among this run's faults (the token's serial). */
	fault_next_token(token);
	queue = 1000 + atoi(strchr(token, '-') ? strchr(token, '-') + 1 : token) % 60000;
	snprintf(state, sizeof(state), "%d 0 0", queue);
	if (!npeers && client_tcp_rtt(fs->rt, h->addr, fs->rt->lab->postgres.port, 5000, &before) < 0)
		error_clear();
	f = fault_begin(fs, &fault_kind_delay, h, state);
	if (!f)
		return -1;
	if (start_delayer(fs, h, queue, delay_ms, jitter_ms, &delayer) < 0)
		return fault_failed(fs, f);
	snprintf(state, sizeof(state), "%d %d %llu", queue, (int)delayer.pid, delayer.start);
	if (fault_restate(fs, f, state) < 0)
		return fault_failed(fs, f);
	for (i = 0; i < npeers; i++) {
		strbuf_printf(&addrs, "%s%s", i ? "," : "", peers[i]->addr);
		strbuf_printf(&names, "%s%s", i ? ", " : "", peers[i]->def->name);
	}
	if (npeers) {
		argv[n++] = "-d";
		argv[n++] = (char *)strbuf_str(&addrs);
	}
	snprintf(comment, sizeof(comment), COMMENT "%d", queue);
	snprintf(q, sizeof(q), "%d", queue);
	argv[n++] = "-m";
	argv[n++] = "comment";
	argv[n++] = "--comment";
	argv[n++] = comment;
	argv[n++] = "-j";
	argv[n++] = "NFQUEUE";
	argv[n++] = "--queue-num";
	argv[n++] = q;
	argv[n++] = "--queue-bypass";
	argv[n] = NULL;
	rc = iptables(fs->rt, h, argv, &res);
	if (rc < 0) {
		strbuf_free(&addrs);
		strbuf_free(&names);
		return fault_failed(fs, f);
	}
	proc_result_free(&res);
	if (!npeers && client_tcp_rtt(fs->rt, h->addr, fs->rt->lab->postgres.port, 5000, &after) < 0)
		error_clear();
	if (jitter_ms)
		snprintf(target, sizeof(target), "%d ms +/- %d ms%s%s", delay_ms, jitter_ms,
		         npeers ? " to " : "", npeers ? strbuf_str(&names) : "");
	else
		snprintf(target, sizeof(target), "%d ms%s%s", delay_ms, npeers ? " to " : "",
		         npeers ? strbuf_str(&names) : "");
	snprintf(how, sizeof(how),
	         "iptables sends what %s sends%s%s to NFQUEUE %d; pgdrill's delayer (pid %d) "
	         "holds each packet %d ms%s",
	         h->def->name, npeers ? " to " : "", npeers ? strbuf_str(&names) : "", queue,
	         (int)delayer.pid, delay_ms, jitter_ms ? " plus or minus the jitter" : "");
	if (before >= 0 && after >= 0) {
		size_t len = strlen(how);

		snprintf(how + len, sizeof(how) - len,
		         "; round trip from the clients' network %.1f ms before, %.1f ms now", before,
		         after);
	}
	strbuf_free(&addrs);
	strbuf_free(&names);
	return fault_applied(fs, f, target, how);
}
