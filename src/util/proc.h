/* Starting processes the way a lab host needs them: inside a network namespace, with the
 * host's own /etc/hosts, as an unprivileged user, with a clean environment; either run to
 * completion with output captured and a timeout, or left running detached with its real
 * PID and a log file. */
#ifndef PGDRILL_UTIL_PROC_H
#define PGDRILL_UTIL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_spec {
	char *const *argv;      /* argv[0] is searched in the PATH below */
	const char *user;       /* NULL: keep root */
	const char *netns;      /* network namespace file (/run/netns/NAME), or NULL */
	const char *hosts_file; /* bind-mounted over /etc/hosts (needs netns), or NULL */
	char *const *env;       /* extra "KEY=VALUE" entries, NULL-terminated, or NULL */
	const char *cwd;        /* NULL: "/" */
	const char *log_path;   /* spawn: stdout and stderr appended here; NULL: /dev/null */
	const char *input;      /* run: written to stdin, then closed; NULL: /dev/null */
	int timeout_ms;         /* run: the process group is killed after this; 0: no limit */
	bool inherit_stdio;     /* run: stdin/stdout/stderr are the caller's (pgdrill exec) */
	bool reads_only;        /* a query that changes nothing: run even in a dry run */
};

struct proc_result {
	int status; /* exit code; 128+N when killed by signal N; -1 on timeout */
	char *out;  /* captured stdout (owned; "" when nothing) */
	char *err;  /* captured stderr (owned) */
};

/* A started, not yet finished, captured process: for running several at once. */
struct proc_handle {
	pid_t pid;
	int out_fd, err_fd;
	const struct proc_spec *spec;
	long long started_ms;
};

/* The PATH every lab process gets: PostgreSQL's binaries first. The environment variable
 * PGDRILL_PATH replaces it (the tests use it to make a package look missing). */
#define PROC_PATH                                                                                  \
	"/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int proc_start(const struct proc_spec *spec, struct proc_handle *out);
int proc_finish(struct proc_handle *h, struct proc_result *res);
/* start + finish. Returns 0 when the process ran (whatever its exit code), -1 when it
 * could not be started (error set, naming the command). */
int proc_run(const struct proc_spec *spec, struct proc_result *res);
/* Detached: own session, output to log_path, not waited for. */
int proc_spawn(const struct proc_spec *spec, pid_t *out_pid);
void proc_result_free(struct proc_result *res);

/* The last `lines` lines of a text (for error messages quoting a log or stderr). */
char *proc_tail(const char *text, int lines);
/* "initdb -D /x" for messages. */
char *proc_argv_string(char *const *argv);

/* Monotonic milliseconds, for deadlines. */
long long proc_now_ms(void);
/* Seconds since the epoch (wall clock), for comparing with times other programs wrote. */
double proc_wall_time(void);
/* The path of pgdrill's own binary (to start `pgdrill agent` on a host). */
int proc_self_exe(char *buf, size_t cap);
/* True when the process is gone or a zombie: it runs no more. */
bool process_is_zombie(pid_t pid);
/* The process's state letter from /proc/PID/stat (R, S, D, T, t, Z...); 0 when gone. */
char proc_state_letter(pid_t pid);
/* Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), so that
 * a recorded PID is never confused with a later process that reuses the number. 0: gone. */
unsigned long long proc_start_time(pid_t pid);

#endif
