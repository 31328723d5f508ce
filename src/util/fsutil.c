#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/strbuf.h"

int fs_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);

	if (!pw)
		return error_set("no user '%s' on this machine (is its package installed?)", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int set_owner(const char *path, const char *owner)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (!owner)
		return 0;
	if (fs_user_ids(owner, &uid, &gid) < 0)
		return -1;
	if (chown(path, uid, gid) < 0)
		return error_set("chown %s to %s: %s", path, owner, strerror(errno));
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, const char *owner)
{
	char *copy = xstrdup(path), *p;
	int rc = 0;

	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = error_set("cannot create directory %s: %s", copy, strerror(errno));
			goto cleanup;
		}
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST) {
		rc = error_set("cannot create directory %s: %s", copy, strerror(errno));
		goto cleanup;
	}
	if (chmod(copy, mode) < 0) {
		rc = error_set("chmod %s: %s", copy, strerror(errno));
		goto cleanup;
	}
	rc = set_owner(copy, owner);
cleanup:
	free(copy);
	return rc;
}

int fs_write_file(const char *path, const char *data, size_t len, mode_t mode, const char *owner)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	size_t done = 0;
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = error_set("cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set("cannot write %s: %s", path, strerror(errno));
			close(fd);
			unlink(tmp);
			goto cleanup;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0) {
		rc = error_set("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		goto cleanup;
	}
	if (set_owner(tmp, owner) < 0) {
		unlink(tmp);
		rc = -1;
		goto cleanup;
	}
	if (rename(tmp, path) < 0) {
		rc = error_set("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
cleanup:
	free(tmp);
	return rc;
}

int fs_write_string(const char *path, const char *text, mode_t mode, const char *owner)
{
	return fs_write_file(path, text, strlen(text), mode, owner);
}

int fs_read_file(const char *path, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return PD_ENOTFOUND;
		return error_set("cannot read %s: %s", path, strerror(errno));
	}
	/* A device or a pipe could be read forever. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set("cannot read %s: not a regular file", path);
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			strbuf_free(&sb);
			return error_set("cannot read %s: %s", path, strerror(errno));
		}
		if (sb.len + (size_t)n > FS_READ_MAX) {
			close(fd);
			strbuf_free(&sb);
			return error_set("cannot read %s: larger than %u MB", path, FS_READ_MAX >> 20);
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	if (len)
		*len = sb.len;
	*out = strbuf_detach(&sb);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path)) {
		if (errno != ENOENT)
			error_set("cannot remove %s: %s", path, strerror(errno));
		return errno == ENOENT ? 0 : -1;
	}
	return 0;
}

int fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
		                       : error_set("cannot remove %s: %s", path, strerror(errno));
	if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return error_set("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

int fs_exists(const char *path)
{
	return access(path, F_OK) == 0;
}
