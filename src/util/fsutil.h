/* Files and directories of a lab, with the owner and mode each one needs. */
#ifndef PGDRILL_UTIL_FSUTIL_H
#define PGDRILL_UTIL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p; the last component gets `mode` and, when `owner` is set, that owner. */
int fs_mkdir_p(const char *path, mode_t mode, const char *owner);
/* Writes via a temporary file and rename, so readers never see half a file. */
int fs_write_file(const char *path, const char *data, size_t len, mode_t mode, const char *owner);
int fs_write_string(const char *path, const char *text, mode_t mode, const char *owner);
/* The most fs_read_file reads: the harness's own files (scenarios, state, secrets). */
#define FS_READ_MAX (64u << 20)
/* Whole regular file into *out (owned, NUL-terminated), at most FS_READ_MAX bytes.
 * PD_ENOTFOUND when it does not exist. */
int fs_read_file(const char *path, char **out, size_t *len);
/* rm -rf that never crosses into another mounted filesystem; missing path is fine. */
int fs_remove_tree(const char *path);
int fs_exists(const char *path);
/* uid and gid of a user; -1 with error set when there is no such user. */
int fs_user_ids(const char *user, uid_t *uid, gid_t *gid);

#endif
