/* Disk full: a ballast file that leaves the host's disk with a chosen free space. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fault/fault.h"
#include "util/error.h"
#include "util/strbuf.h"

static int remove_ballast(struct lab_rt *rt, struct fault *f)
{
	(void)rt;
	if (unlink(f->path) < 0 && errno != ENOENT)
		return error_set("cannot remove ballast %s: %s", f->path, strerror(errno));
	return 0;
}

int fault_fill_disk(struct fault_set *fs, const struct lab_host_rt *h, unsigned long long leave)
{
	char *path = xasprintf("%s/pgdrill-ballast-%zu", h->dir, fs->count + 1);
	unsigned long long avail, size;
	struct statvfs sv;
	char how[128];
	struct fault *f;
	int fd;

	if (statvfs(h->dir, &sv) < 0) {
		free(path);
		return error_set("host %s: statvfs %s: %s", h->def->name, h->dir, strerror(errno));
	}
	avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	if (avail <= leave) {
		free(path);
		return error_set("host %s: only %llu bytes free, less than the %llu to leave",
		                 h->def->name, avail, leave);
	}
	size = avail - leave;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	/* posix_fallocate really takes the blocks (a sparse file would not fill tmpfs). */
	if (fd < 0 || posix_fallocate(fd, 0, (off_t)size) != 0) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(path);
		return error_set("host %s: cannot write ballast: %s", h->def->name, strerror(e));
	}
	close(fd);
	snprintf(how, sizeof(how), "ballast file of %llu bytes, %llu bytes left free", size, leave);
	f = fault_add(fs, "fill_disk", h, "disk", remove_ballast, how);
	f->path = path;
	return f->id;
}
