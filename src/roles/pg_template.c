#include "roles/pg_template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/step.h"
#include "util/argv.h"
#include "util/error.h"

#define INITDB_TIMEOUT_MS 120000
#define COPY_TIMEOUT_MS 60000

/* Bump when the initdb options below change: a template made with others is not used. */
#define TEMPLATE_FORMAT "1"

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The template's directory for this build (`postgres -V` on the host) and options. */
static char *template_dir(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *argv[] = {"postgres", "-V", NULL};
	struct step_cmd cmd = {.user = "postgres", .argv = argv, .timeout_ms = 10000};
	char *version = NULL, *dir;
	uint64_t key = 14695981039346656037ULL;

	if (step_run(rt, h, "postgres -V", &cmd, &version) < 0)
		return NULL;
	key = fnv1a(version, key);
	key = fnv1a(rt->lab->postgres.data_checksums ? "checksums" : "no checksums", key);
	key = fnv1a(TEMPLATE_FORMAT, key);
	dir = xasprintf("%s/cache/pg-template-%016llx", rt->lab->provider.state_dir,
	                (unsigned long long)key);
	free(version);
	return dir;
}

/* A shell line run as root on the host, its arguments "$1"...: never spliced into it. */
static int root_sh(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
                   const char *script, const char *a1, const char *a2, int *status)
{
	char *argv[] = {"sh", "-c", (char *)script, "sh", (char *)a1, (char *)a2, NULL};
	struct step_cmd cmd = {.argv = argv, .timeout_ms = COPY_TIMEOUT_MS, .status = status};

	return step_run(rt, h, step, &cmd, NULL);
}

/* initdb into a directory of its own, then renamed into place: a template is whole or
 * absent, also after a crash, and of two pgdrill making one at once the first stays (a
 * template in place is never removed: another lab may be copying it). Not
 * --no-sync: every lab after this one starts from these files. pg_hba.conf and the
 * settings are pgdrill's own, written after the copy (trust here is never read). */
static int make_template(const struct lab_rt *rt, const struct lab_host_rt *h, const char *dir)
{
	char *tmp = xasprintf("%s.new-%ld", dir, (long)getpid());
	struct argv a = ARGV_INIT;
	struct step_cmd cmd = {.user = "postgres", .timeout_ms = INITDB_TIMEOUT_MS};
	int rc = -1;

	if (root_sh(rt, h, "make the PostgreSQL template's directory",
	            "rm -rf -- \"$2\" && mkdir -p -m 0755 -- \"${1%/*}\" && "
	            "install -d -o postgres -g postgres -m 0700 -- \"$2\"",
	            dir, tmp, NULL) < 0)
		goto out;
	argv_add_all(&a, (char *const[]){"initdb", "-D", tmp, "-U", "postgres", "-A", "trust",
	                                 "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
	                                 NULL});
	if (rt->lab->postgres.data_checksums)
		argv_add(&a, "-k");
	cmd.argv = argv_get(&a);
	if (step_run(rt, h, "initdb (the template)", &cmd, NULL) < 0) {
		root_sh(rt, h, "remove a failed template", "rm -rf -- \"$1\"", tmp, NULL, NULL);
		goto out;
	}
	rc = root_sh(rt, h, "put the PostgreSQL template in place",
	             "mv -T -- \"$2\" \"$1\" 2>/dev/null || rm -rf -- \"$2\"", dir, tmp, NULL);
out:
	argv_free(&a);
	free(tmp);
	return rc;
}

int pg_template_copy(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *dir = template_dir(rt, h), *from = NULL, *data = host_path(h, "data");
	int rc = -1, missing = 0;

	if (!dir || root_sh(rt, h, "look for the PostgreSQL template",
	                    "test -f \"$1/global/pg_control\"", dir, NULL, &missing) < 0)
		goto out;
	if (missing && make_template(rt, h, dir) < 0)
		goto out;
	from = xasprintf("%s/.", dir);
	{
		char *argv[] = {"cp", "-a", "--", from, data, NULL};
		struct step_cmd cmd = {.user = "postgres", .argv = argv, .timeout_ms = COPY_TIMEOUT_MS};

		rc = step_run(rt, h, "copy the PostgreSQL template", &cmd, NULL);
	}
out:
	free(dir);
	free(from);
	free(data);
	return rc;
}
