/* The netns provider's host operations: a host's root is its disk, mounted on this
 * machine at h->host_root, and its processes are the ones living in its network namespace.
 *
 * pgdrill runs as root while directories on a host's disk belong to postgres and barman,
 * so no path is ever resolved by the kernel in one go: every component is opened with
 * O_NOFOLLOW from the host's root, files are created with O_EXCL under a fresh name and
 * renamed into place, and owners and modes are set on open descriptors. A symbolic link
 * planted on a host therefore makes an operation fail; it never redirects it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "provider/host.h"
#include "provider/netns_host.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/pgshm.h"
#include "util/proc.h"
#include "util/strbuf.h"

/* Opens the directory holding the last component of `rel`, walking from the host's root
 * without following links; with `create`, missing directories are made (0755, root).
 * *leaf points into rel. Returns the directory descriptor or -1 with the error set. */
static int open_parent(const struct lab_host_rt *h, const char *rel, bool create, const char **leaf)
{
	char *copy = xstrdup(rel), *comp = copy, *slash;
	int fd = open(h->host_root, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		error_set("host %s: cannot open its root %s: %s", h->def->name, h->host_root,
		          strerror(errno));
		goto fail;
	}
	while ((slash = strchr(comp, '/'))) {
		int next;

		*slash = '\0';
		if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			error_set("host %s: cannot create directory %s: %s", h->def->name, rel,
			          strerror(errno));
			goto fail;
		}
		next = openat(fd, comp, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
		if (next < 0) {
			int e = errno;

			if (e == ENOENT)
				error_set("host %s: %s: no such directory", h->def->name, rel);
			else
				error_set("host %s: cannot open the directory of %s: %s%s",
				          h->def->name, rel, strerror(e),
				          e == ELOOP || e == ENOTDIR
				              ? " (a symbolic link is refused)"
				              : "");
			close(fd);
			fd = -1;
			free(copy);
			return e == ENOENT ? PD_ENOTFOUND : -1;
		}
		close(fd);
		fd = next;
		comp = slash + 1;
	}
	*leaf = rel + (comp - copy);
	free(copy);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	free(copy);
	return -1;
}

static int owner_ids(const char *owner, uid_t *uid, gid_t *gid)
{
	*uid = 0;
	*gid = 0;
	return owner ? fs_user_ids(owner, uid, gid) : 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Replaces `leaf` in directory `dfd` whole; `name` is for messages. */
static int write_at(const struct lab_host_rt *h, int dfd, const char *leaf, const char *name,
                    const char *data, size_t len, mode_t mode, const char *owner)
{
	char tmp[96];
	uid_t uid;
	gid_t gid;
	int fd;

	if (owner_ids(owner, &uid, &gid) < 0)
		return -1;
	/* A fresh name nobody could have prepared: O_EXCL refuses anything already there. */
	snprintf(tmp, sizeof(tmp), ".pgdrill-tmp-%d-%lld", (int)getpid(), proc_now_ms());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set("host %s: cannot write %s: %s", h->def->name, name,
		                 strerror(errno));
	if (write_all(fd, data, len) < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		error_set("host %s: cannot write %s: %s", h->def->name, name, strerror(errno));
		close(fd);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	close(fd);
	/* rename replaces a link planted at the final name instead of following it. */
	if (renameat(dfd, tmp, dfd, leaf) < 0) {
		error_set("host %s: cannot write %s: %s", h->def->name, name, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

int netns_put_file(const struct lab_host_rt *h, const char *rel, const char *data, size_t len,
                   mode_t mode, const char *owner)
{
	const char *leaf;
	int dfd = open_parent(h, rel, true, &leaf), rc;

	if (dfd < 0)
		return -1;
	rc = write_at(h, dfd, leaf, rel, data, len, mode, owner);
	close(dfd);
	return rc;
}

/* The host's log directory, opened without following a link. */
static int open_log_dir(const struct lab_host_rt *h)
{
	int fd = open(h->log_dir, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		error_set("host %s: cannot open its log directory %s: %s", h->def->name, h->log_dir,
		          strerror(errno));
	return fd;
}

int netns_put_log(const struct lab_host_rt *h, const char *what, const char *text)
{
	char *leaf = xasprintf("%s.log", what);
	int dfd = open_log_dir(h), rc = -1;

	if (dfd >= 0) {
		rc = write_at(h, dfd, leaf, leaf, text, strlen(text), 0644, NULL);
		close(dfd);
	}
	free(leaf);
	return rc;
}

int netns_make_log(const struct lab_host_rt *h, const char *what, const char *owner)
{
	char *leaf = xasprintf("%s.log", what);
	int dfd = open_log_dir(h), rc = -1;

	if (dfd >= 0) {
		rc = write_at(h, dfd, leaf, leaf, "", 0, 0640, owner);
		close(dfd);
	}
	free(leaf);
	return rc;
}

/* Up to `max` bytes of the regular file `fd` from `from` (0 when the file is shorter: it
 * was replaced); *size is the file's size, *len (optional) how many were read. */
static int read_from(const struct lab_host_rt *h, const char *name, int fd, long long from,
                     size_t max, char **out, long long *size, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char buf[8192];
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set("host %s: %s is not a regular file", h->def->name, name);
	*size = (long long)st.st_size;
	if (from < 0 || from > *size)
		from = 0;
	if (lseek(fd, (off_t)from, SEEK_SET) < 0)
		return error_set("host %s: cannot read %s: %s", h->def->name, name, strerror(errno));
	while (sb.len < max) {
		size_t want = max - sb.len < sizeof(buf) ? max - sb.len : sizeof(buf);

		n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_free(&sb);
			return error_set("host %s: cannot read %s: %s", h->def->name, name,
			                 strerror(errno));
		}
		if (n == 0)
			break;
		strbuf_add(&sb, buf, (size_t)n);
	}
	if (len)
		*len = sb.len;
	*out = strbuf_detach(&sb);
	if (!*out)
		*out = xstrdup("");
	return 0;
}

/* Reads an open file, refusing anything but a regular file of at most `max` bytes. */
static int read_fd(const struct lab_host_rt *h, const char *name, int fd, size_t max, char **out,
                   size_t *len)
{
	long long size;
	size_t got;

	if (read_from(h, name, fd, 0, max + 1, out, &size, &got) < 0)
		return -1;
	if (got > max) {
		free(*out);
		*out = NULL;
		return error_set("host %s: %s is larger than %zu bytes", h->def->name, name, max);
	}
	if (len)
		*len = got;
	return 0;
}

int netns_get_file(const struct lab_host_rt *h, const char *rel, size_t max, char **out,
                   size_t *len)
{
	const char *leaf;
	int dfd = open_parent(h, rel, false, &leaf), fd, rc;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		if (errno == ENOENT) {
			error_set("host %s: %s does not exist", h->def->name, rel);
			return PD_ENOTFOUND;
		}
		return error_set("host %s: cannot read %s: %s", h->def->name, rel, strerror(errno));
	}
	rc = read_fd(h, rel, fd, max, out, len);
	close(fd);
	return rc;
}

/* Logs live beside the disk (a full disk still logs), in a directory of root's. */

int netns_get_log(const struct lab_host_rt *h, const char *what, long long from, size_t max,
                  char **out, long long *size)
{
	char *leaf = xasprintf("%s.log", what);
	int dfd = open_log_dir(h), fd, rc;

	if (dfd < 0) {
		free(leaf);
		return -1;
	}
	fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(leaf);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? PD_ENOTFOUND
		                       : error_set("host %s: cannot read its %s log: %s",
		                                   h->def->name, what, strerror(errno));
	rc = read_from(h, what, fd, from, max, out, size, NULL);
	close(fd);
	return rc;
}

int netns_make_dir(const struct lab_host_rt *h, const char *rel, mode_t mode, const char *owner)
{
	const char *leaf;
	uid_t uid;
	gid_t gid;
	int dfd, fd, rc = 0;

	if (owner_ids(owner, &uid, &gid) < 0)
		return -1;
	dfd = open_parent(h, rel, true, &leaf);
	if (dfd < 0)
		return -1;
	if (mkdirat(dfd, leaf, mode) < 0 && errno != EEXIST)
		rc = error_set("host %s: cannot create directory %s: %s", h->def->name, rel,
		               strerror(errno));
	else if ((fd = openat(dfd, leaf, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC)) < 0)
		rc = error_set("host %s: cannot open directory %s: %s", h->def->name, rel,
		               strerror(errno));
	else {
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
			rc = error_set("host %s: cannot set the owner and mode of %s: %s",
			               h->def->name, rel, strerror(errno));
		close(fd);
	}
	close(dfd);
	return rc;
}

/* Removes entry `name` of directory `dfd`, recursively, never following a link and never
 * leaving the filesystem `dev`. */
static int remove_at(const struct lab_host_rt *h, int dfd, const char *name, dev_t dev, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
		                       : error_set("host %s: cannot remove %s: %s", h->def->name,
		                                   name, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return error_set("host %s: cannot remove %s: %s", h->def->name, name,
			                 strerror(errno));
		return 0;
	}
	if (st.st_dev != dev)
		return error_set("host %s: %s is another filesystem; not removed", h->def->name,
		                 name);
	if (depth > 64)
		return error_set("host %s: %s is nested too deep to remove", h->def->name, name);
	fd = openat(dfd, name, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_set("host %s: cannot remove %s: %s", h->def->name, name,
		                 strerror(errno));
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    remove_at(h, dirfd(d), de->d_name, dev, depth + 1) < 0)
			rc = -1;
	closedir(d);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc =
		    error_set("host %s: cannot remove %s: %s", h->def->name, name, strerror(errno));
	return rc;
}

int netns_remove(const struct lab_host_rt *h, const char *rel)
{
	const char *leaf;
	struct stat st;
	int dfd = open_parent(h, rel, false, &leaf), rc;

	if (dfd == PD_ENOTFOUND) {
		error_clear();
		return 0;
	}
	if (dfd < 0)
		return -1;
	rc = fstat(dfd, &st) < 0
	         ? error_set("host %s: cannot remove %s: %s", h->def->name, rel, strerror(errno))
	         : remove_at(h, dfd, leaf, st.st_dev, 0);
	close(dfd);
	return rc;
}

int netns_exists(const struct lab_host_rt *h, const char *rel)
{
	const char *leaf;
	struct stat st;
	int dfd = open_parent(h, rel, false, &leaf), rc;

	if (dfd < 0) {
		error_clear();
		return 0;
	}
	rc = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	return rc;
}

int netns_free_space(const struct lab_host_rt *h, const char *rel, unsigned long long *avail)
{
	const char *leaf;
	struct statvfs sv;
	int dfd = open_parent(h, rel, false, &leaf), rc = 0;

	if (dfd < 0)
		return -1;
	if (fstatvfs(dfd, &sv) < 0)
		rc = error_set("host %s: cannot tell the free space of %s: %s", h->def->name, rel,
		               strerror(errno));
	else
		*avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	close(dfd);
	return rc;
}

int netns_allocate(const struct lab_host_rt *h, const char *rel, unsigned long long size)
{
	const char *leaf;
	int dfd = open_parent(h, rel, false, &leaf), fd, e, rc = 0;

	if (dfd < 0)
		return -1;
	fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	/* posix_fallocate really takes the blocks (a sparse file would not fill tmpfs). */
	if (fd < 0 || (e = posix_fallocate(fd, 0, (off_t)size)) != 0) {
		e = fd < 0 ? errno : e;
		if (fd >= 0) {
			close(fd);
			unlinkat(dfd, leaf, 0);
		}
		rc = error_set("host %s: cannot write %s: %s", h->def->name, rel, strerror(e));
	} else {
		close(fd);
	}
	close(dfd);
	return rc;
}

/* The socket is on the host's disk: its path, resolved by connect(), is checked first
 * with the same no-link walk as every file (a planted link fails the lstat test). */
int netns_unix_request(const struct lab_host_rt *h, const char *rel, const char *request,
                       int timeout_ms, size_t max, char **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct strbuf sb = STRBUF_INIT;
	long long deadline = proc_now_ms() + timeout_ms;
	const char *leaf;
	struct stat st;
	size_t sent = 0, len = strlen(request);
	int dfd = open_parent(h, rel, false, &leaf), fd = -1, rc = -1;

	if (dfd < 0)
		return -1;
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode)) {
		error_set("host %s: %s is not a socket", h->def->name, rel);
		goto cleanup;
	}
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", h->host_root, rel) >=
	    sizeof(sa.sun_path)) {
		error_set("host %s: the socket path %s/%s is too long", h->def->name, h->host_root,
		          rel);
		goto cleanup;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		error_set("host %s: cannot reach %s: %s", h->def->name, rel, strerror(errno));
		goto cleanup;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = sent < len ? POLLOUT : POLLIN};
		long long left = deadline - proc_now_ms();
		char buf[8192];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			error_set("host %s: no complete answer from %s within %d ms", h->def->name,
			          rel, timeout_ms);
			goto cleanup;
		}
		if (sent < len) {
			n = write(fd, request + sent, len - sent);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				error_set("host %s: %s: %s", h->def->name, rel, strerror(errno));
				goto cleanup;
			}
			sent += n > 0 ? (size_t)n : 0;
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			error_set("host %s: %s: %s", h->def->name, rel, strerror(errno));
			goto cleanup;
		}
		if (sb.len + (size_t)n > max) {
			error_set("host %s: %s answered more than %zu bytes", h->def->name, rel,
			          max);
			goto cleanup;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	*out = strbuf_detach(&sb);
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	close(dfd);
	strbuf_free(&sb);
	return rc;
}

/* The hosts share this machine's System V IPC: the segment is found by the data
 * directory's key. */
void netns_release_pg_shm(const struct lab_host_rt *h, const char *rel)
{
	char *data = host_path(h, rel);

	pgshm_remove(data);
	free(data);
}

/* ---- the client namespace ---- */

int netns_client_enter(const struct lab_rt *rt, int *back)
{
	int here = back ? open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
	int lab = open(rt->client_netns_path, O_RDONLY | O_CLOEXEC);

	if ((back && here < 0) || lab < 0 || setns(lab, CLONE_NEWNET) < 0) {
		int e = errno;

		if (here >= 0)
			close(here);
		if (lab >= 0)
			close(lab);
		return error_set("cannot enter the lab's client namespace %s: %s",
		                 rt->client_netns_path, strerror(e));
	}
	close(lab);
	if (back)
		*back = here;
	return 0;
}

void netns_client_leave(const struct lab_rt *rt, int back)
{
	(void)rt;
	if (setns(back, CLONE_NEWNET) < 0) {
		/* Cannot happen for root with a valid fd; staying in the lab would be wrong. */
		perror("pgdrill: cannot return to the original network namespace");
		_exit(2);
	}
	close(back);
}

/* ---- processes: those whose network namespace is the host's ---- */

static ino_t netns_inode(const struct lab_host_rt *h)
{
	struct stat st;

	return stat(h->netns_path, &st) == 0 ? st.st_ino : 0;
}

static bool pid_in(pid_t pid, ino_t ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return ino && stat(path, &st) == 0 && st.st_ino == ino;
}

/* The first bytes of /proc/PID/FILE, NUL bytes turned into spaces, the newline cut. */
static bool proc_text(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[64];
	size_t len, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (!(f = fopen(path, "re")))
		return false;
	len = fread(buf, 1, cap - 1, f);
	fclose(f);
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

size_t netns_find_procs(const struct lab_host_rt *h, const char *comm, const char *arg,
                        struct host_proc *out, size_t cap)
{
	ino_t ino = netns_inode(h);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!ino || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char buf[4096];
		unsigned long long start;

		if (pid <= 1 || !pid_in(pid, ino) || process_is_zombie(pid))
			continue;
		if (comm && (!proc_text(pid, "comm", buf, sizeof(buf)) || strcmp(buf, comm) != 0))
			continue;
		if (arg && (!proc_text(pid, "cmdline", buf, sizeof(buf)) || !strstr(buf, arg)))
			continue;
		start = proc_start_time(pid);
		if (!start)
			continue;
		if (n < cap) {
			out[n].pid = pid;
			out[n].start = start;
			out[n].state = proc_state_letter(pid);
		}
		n++;
	}
	closedir(d);
	return n;
}

int netns_proc_of_pid(const struct lab_host_rt *h, pid_t pid, struct host_proc *out)
{
	unsigned long long start;

	if (!pid_in(pid, netns_inode(h)) || process_is_zombie(pid) ||
	    !(start = proc_start_time(pid))) {
		error_set("host %s: no process %d runs there", h->def->name, (int)pid);
		return PD_ENOTFOUND;
	}
	out->pid = pid;
	out->start = start;
	out->state = proc_state_letter(pid);
	return 0;
}

int netns_signal(const struct lab_host_rt *h, const struct host_proc *p, int sig)
{
	/* Proven the host's just before the signal: its namespace and its start time. */
	if (!pid_in(p->pid, netns_inode(h)) || proc_start_time(p->pid) != p->start) {
		error_set("host %s: process %d is gone", h->def->name, (int)p->pid);
		return PD_ENOTFOUND;
	}
	if (kill(p->pid, sig) < 0) {
		if (errno == ESRCH) {
			error_set("host %s: process %d is gone", h->def->name, (int)p->pid);
			return PD_ENOTFOUND;
		}
		return error_set("host %s: signal %d to process %d: %s", h->def->name, sig,
		                 (int)p->pid, strerror(errno));
	}
	return 0;
}
