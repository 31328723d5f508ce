#include "roles/provenance.h"

#include <openssl/evp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/schema.h"
#include "provider/host.h"
#include "roles/secrets.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

#ifndef PGDRILL_COMMIT
#define PGDRILL_COMMIT "unknown"
#endif

/* The first line a command prints on a host (stdout, else stderr), printable only. */
static json_object *version_on(const struct lab_rt *rt, enum host_role role, char *const *argv)
{
	const struct lab_host_rt *h = lab_rt_by_role(rt, role);
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res = {0};
	json_object *v;
	char *line, *p;

	if (!h)
		return json_object_new_string("unknown: the lab has no such host");
	if (host_run(rt, h, &spec, &res) < 0) {
		v = json_object_new_string_len("unknown", 7);
		error_clear();
		return v;
	}
	line = res.out && *res.out ? res.out : res.err ? res.err : "";
	line[strcspn(line, "\n")] = '\0';
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	v = json_object_new_string(res.status == 0 && *line ? line : "unknown");
	proc_result_free(&res);
	return v;
}

static json_object *versions(const struct lab_rt *rt)
{
	static char *const pg[] = {"postgres", "--version", NULL};
	static char *const repmgr[] = {"repmgr", "--version", NULL};
	static char *const barman[] = {"barman", "--version", NULL};
	static char *const haproxy[] = {"haproxy", "-v", NULL};
	json_object *v = json_object_new_object();

	json_object_object_add(v, "postgresql", version_on(rt, ROLE_PRIMARY, pg));
	json_object_object_add(v, "repmgr", version_on(rt, ROLE_PRIMARY, repmgr));
	json_object_object_add(v, "barman", version_on(rt, ROLE_BARMAN, barman));
	json_object_object_add(v, "haproxy", version_on(rt, ROLE_PROXY, haproxy));
	return v;
}

/* Where a DBA finds the lab's credentials and each host's logs (the paths as the host
 * sees them), for the report's runbook. */
static json_object *where(const struct lab_rt *rt)
{
	json_object *w = json_object_new_object(), *logs = json_object_new_object();
	size_t i;
	char *secrets = secrets_path(rt);

	json_object_object_add(w, "credentials", json_object_new_string(secrets));
	free(secrets);
	for (i = 0; i < rt->nhosts; i++) {
		char *log = host_log_path(&rt->hosts[i], "x"), *slash = strrchr(log, '/');

		if (slash)
			*slash = '\0';
		json_object_object_add(logs, rt->hosts[i].def->name, json_object_new_string(log));
		free(log);
	}
	json_object_object_add(w, "logs", logs);
	return w;
}

static char *sha256_hex(const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	struct strbuf sb = STRBUF_INIT;

	if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL))
		return xstrdup("unknown");
	for (i = 0; i < len; i++)
		strbuf_printf(&sb, "%02x", md[i]);
	return strbuf_detach(&sb);
}

/* A user name as POSIX allows it (letters, digits, '.', '_', '-'): the environment is
 * not trusted. */
static bool plain_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n < 64 && s[n] == '\0';
}

/* Who ran it: the person behind sudo, else the user. */
static const char *who(void)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (sudo && plain_name(sudo))
		return sudo;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

json_object *provenance_collect(const struct lab_rt *rt, const char *lab_path)
{
	json_object *p = json_object_new_object(), *resolved;
	struct strbuf lab_json = STRBUF_INIT;
	char host[256] = "unknown", *digest;

	gethostname(host, sizeof(host) - 1);
	json_object_object_add(p, "pgdrill_version", json_object_new_string(PGDRILL_VERSION));
	json_object_object_add(p, "pgdrill_commit", json_object_new_string(PGDRILL_COMMIT));
	json_object_object_add(p, "machine", json_object_new_string(host));
	json_object_object_add(p, "user", json_object_new_string(who()));
	json_object_object_add(p, "lab_file", json_object_new_string(lab_path));
	json_object_object_add(p, "provider", json_object_new_string(rt->ops->name));
	/* The lab with every default filled in and no secret: what the drills ran against. */
	schema_emit(&lab_schema, rt->lab, SCHEMA_JSON, false, &lab_json);
	digest = sha256_hex(strbuf_str(&lab_json));
	json_object_object_add(p, "lab_sha256", json_object_new_string(digest));
	resolved = json_tokener_parse(strbuf_str(&lab_json));
	if (resolved)
		json_object_object_add(p, "lab_resolved", resolved);
	json_object_object_add(p, "versions", versions(rt));
	json_object_object_add(p, "where", where(rt));
	free(digest);
	strbuf_free(&lab_json);
	return p;
}
