/* Run directories: one per `pgdrill run` (per round with --repeat), named so that they
 * sort by time, and pruned to the newest N of a lab for drills that run every night. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "journal/journal.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

char *journal_run_dir(const char *base, const char *lab, const char *scenario)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	int n;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (fs_mkdir_p(base, 0755, NULL) < 0)
		return NULL;
	for (n = 1; n < 1000; n++) {
		char *dir = n == 1 ? xasprintf("%s/%s-%s-%s", base, stamp, lab, scenario)
		                   : xasprintf("%s/%s-%s-%s-%d", base, stamp, lab, scenario, n);

		if (mkdir(dir, 0755) == 0)
			return dir;
		if (errno != EEXIST) {
			error_set("cannot make the run directory %s: %s", dir, strerror(errno));
			free(dir);
			return NULL;
		}
		free(dir);
	}
	error_set("cannot make a run directory in %s: too many in one second", base);
	return NULL;
}

/* "YYYYmmdd-HHMMSS-": the form of a run directory's name. */
static bool stamped(const char *name)
{
	int i;

	for (i = 0; i < 15; i++)
		if (i == 8 ? name[i] != '-' : (name[i] < '0' || name[i] > '9'))
			return false;
	return name[15] == '-';
}

/* Whether BASE/NAME is a run directory of LAB: a real directory whose journal.json says
 * so (a name alone cannot tell lab "a" from lab "a-b"). */
static bool run_of(const char *base, const char *name, const char *lab)
{
	char *dir = xasprintf("%s/%s", base, name), *path = xasprintf("%s/journal.json", dir);
	json_object *root = NULL, *v;
	struct stat st;
	bool yes = false;

	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		root = json_object_from_file(path);
		yes = root && json_object_object_get_ex(root, "lab", &v) &&
		      json_object_is_type(v, json_type_string) &&
		      strcmp(json_object_get_string(v), lab) == 0;
	}
	json_object_put(root);
	free(path);
	free(dir);
	return yes;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int journal_list_runs(const char *base, const char *lab, char ***names, size_t *n)
{
	DIR *d = opendir(base);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d)
		return error_set("cannot read the runs directory %s: %s", base, strerror(errno));
	while ((de = readdir(d))) {
		if (!stamped(de->d_name) || !run_of(base, de->d_name, lab))
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

void journal_runs_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int journal_prune_runs(const char *base, const char *lab, int keep)
{
	char **names;
	size_t n, i;
	int removed = 0, rc = 0;

	if (journal_list_runs(base, lab, &names, &n) < 0)
		return -1;
	for (i = 0; i + (size_t)keep < n && rc == 0; i++) {
		char *dir = xasprintf("%s/%s", base, names[i]);

		rc = fs_remove_tree(dir);
		removed += rc == 0;
		free(dir);
	}
	journal_runs_free(names, n);
	return rc < 0 ? -1 : removed;
}
