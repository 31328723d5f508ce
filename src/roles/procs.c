#include "roles/procs.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "roles/pg.h"
#include "util/fsutil.h"
#include "util/proc.h"

const char *const procs_names[] = {"postgres", "walreceiver", "repmgrd",     "haproxy",
                                   "agent",    "receive-wal", "barman-cron", NULL};

static pid_t pid_from_file(const struct lab_host_rt *h, const char *rel)
{
	char *path = host_path(h, rel), *text = NULL;
	pid_t pid = 0;

	if (fs_read_file(path, &text, NULL) == 0)
		pid = (pid_t)atoi(text);
	free(path);
	free(text);
	return pid > 0 && !process_is_zombie(pid) ? pid : 0;
}

static ino_t netns_inode(const struct lab_host_rt *h)
{
	struct stat st;

	return stat(h->netns_path, &st) == 0 ? st.st_ino : 0;
}

/* Walks /proc for live processes in the host's namespace; `comm` NULL matches all,
 * `arg` (may be NULL) must appear in the command line. */
static size_t scan(const struct lab_host_rt *h, const char *comm, const char *arg, pid_t *out,
                   size_t cap)
{
	ino_t ino = netns_inode(h);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!ino || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char path[64], buf[4096];
		struct stat st;
		FILE *f;
		size_t len;

		if (pid <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st) < 0 || st.st_ino != ino || process_is_zombie(pid))
			continue;
		if (comm) {
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
			if (!(f = fopen(path, "r")))
				continue;
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[len] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, comm) != 0)
				continue;
		}
		if (arg) {
			size_t i;

			snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
			if (!(f = fopen(path, "r")))
				continue;
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			for (i = 0; i < len; i++)
				if (buf[i] == '\0')
					buf[i] = ' ';
			buf[len] = '\0';
			if (!strstr(buf, arg))
				continue;
		}
		if (n < cap)
			out[n] = pid;
		n++;
	}
	closedir(d);
	return n;
}

static pid_t scan_one(const struct lab_host_rt *h, const char *comm, const char *arg)
{
	pid_t pid = 0;

	return scan(h, comm, arg, &pid, 1) ? pid : 0;
}

pid_t procs_find(const struct lab_host_rt *h, const char *what)
{
	if (strcmp(what, "postgres") == 0)
		return pid_from_file(h, "data/postmaster.pid");
	if (strcmp(what, "walreceiver") == 0)
		return scan_one(h, "postgres", "walreceiver");
	if (strcmp(what, "repmgrd") == 0)
		return scan_one(h, "repmgrd", NULL);
	if (strcmp(what, "haproxy") == 0)
		return scan_one(h, "haproxy", NULL);
	if (strcmp(what, "agent") == 0)
		return scan_one(h, "pgdrill", " agent ");
	if (strcmp(what, "receive-wal") == 0)
		return scan_one(h, "pg_receivewal", NULL);
	if (strcmp(what, "barman-cron") == 0)
		return scan_one(h, "sh", "barman");
	return 0;
}

size_t procs_all(const struct lab_host_rt *h, pid_t *out, size_t cap)
{
	return scan(h, NULL, NULL, out, cap);
}

void procs_end_all(const struct lab_host_rt *h, const char *comm, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	pid_t pids[256];
	size_t n, i;

	while ((n = scan(h, comm, NULL, pids, 256)) > 0 && proc_now_ms() < deadline) {
		for (i = 0; i < n && i < 256; i++)
			kill(pids[i], SIGKILL);
		usleep(20000);
	}
}
