#include "roles/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles/barman.h"
#include "roles/haproxy.h"
#include "roles/postgres.h"
#include "roles/repmgr.h"
#include "util/strbuf.h"

static void add(struct rendered_config **out, size_t *n, const struct lab_host_rt *h,
                const char *name, enum config_syntax syntax, char *text)
{
	*out = xrealloc(*out, (*n + 1) * sizeof(**out));
	(*out)[*n] = (struct rendered_config){h, name, syntax, text};
	(*n)++;
}

size_t render_configs(const struct lab_rt *rt, struct rendered_config **out)
{
	const struct lab_host_rt *primary = lab_rt_by_role(rt, ROLE_PRIMARY);
	size_t i, n = 0;

	*out = NULL;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		switch (h->def->role) {
		case ROLE_PRIMARY:
		case ROLE_STANDBY:
			add(out, &n, h, "postgresql.conf", CONF_POSTGRES,
			    postgres_conf(rt, h, h->def->role == ROLE_PRIMARY));
			add(out, &n, h, "pg_hba.conf", CONF_HBA, postgres_hba(rt));
			add(out, &n, h, "pg_ident.conf", CONF_IDENT, postgres_ident());
			add(out, &n, h, "repmgr.conf", CONF_REPMGR, repmgr_conf(rt, h));
			break;
		case ROLE_PROXY:
			add(out, &n, h, "haproxy.cfg", CONF_HAPROXY, haproxy_cfg(rt, h));
			break;
		case ROLE_BARMAN:
			if (primary)
				add(out, &n, h, "barman.conf", CONF_BARMAN, barman_conf(rt, h, primary));
			break;
		default:
			break;
		}
	}
	return n;
}

void rendered_configs_free(struct rendered_config *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].text);
	free(c);
}

static size_t span(const char *s, const char *set)
{
	return strspn(s, set);
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."

/* A single-quoted value with '' as its only quote inside, running to the line's end;
 * with `backslash`, a backslash escapes the next character (postgresql.conf). */
static bool quoted_to_end(const char *v, bool backslash)
{
	if (*v++ != '\'')
		return false;
	for (; *v; v++) {
		if (backslash && *v == '\\') {
			if (!*++v)
				return false;
			continue;
		}
		if (*v != '\'')
			continue;
		if (v[1] == '\'') {
			v++;
			continue;
		}
		return v[1] == '\0';
	}
	return false;
}

/* postgresql.conf: name = 'value'; repmgr.conf: name=value or name='value'. */
static bool setting_line(const char *line, bool spaces)
{
	size_t k = span(line, NAME_CHARS);
	const char *v;

	if (k == 0)
		return false;
	v = line + k;
	if (spaces && strncmp(v, " = ", 3) == 0)
		return quoted_to_end(v + 3, true);
	if (spaces || *v != '=')
		return false;
	v++;
	if (*v == '\'')
		return quoted_to_end(v, false);
	return *v && v[span(v, NAME_CHARS "-")] == '\0';
}

/* A trust line is narrow: host DB USER ADDR/32 trust, one database (not all, not
 * replication), one role that is none of the privileged ones, one address. pgdrill's own is
 * the health check's; a lab may declare others, held to the same shape by validation. */
static bool narrow_trust_line(const char *line)
{
	static const char *const broad[] = {"all",     "sameuser", "samerole", "replication",
	                                    "postgres", "repmgr",   "barman",   "streaming_barman",
	                                    NULL};
	char type[16], db[80], user[80], addr[40], method[16], extra[2];
	size_t i;

	if (sscanf(line, "%15s %79s %79s %39s %15s %1s", type, db, user, addr, method, extra) != 5 ||
	    (strcmp(type, "host") != 0 && strcmp(type, "hostssl") != 0) ||
	    strcmp(method, "trust") != 0)
		return false;
	for (i = 0; broad[i]; i++)
		if (strcmp(db, broad[i]) == 0 || strcmp(user, broad[i]) == 0)
			return false;
	if (strpbrk(db, ",+@") || strpbrk(user, ",+@"))
		return false;
	return strlen(addr) > 3 && strcmp(addr + strlen(addr) - 3, "/32") == 0;
}

static const char *check_line(const struct rendered_config *c, const char *line)
{
	size_t n = strlen(line);

	if (n == 0 || line[0] == '#' || (c->syntax == CONF_BARMAN && line[0] == ';'))
		return NULL;
	switch (c->syntax) {
	case CONF_POSTGRES:
		return setting_line(line, true) ? NULL : "a line that is not name = 'value'";
	case CONF_REPMGR:
		return setting_line(line, false) ? NULL : "a line that is not name=value";
	case CONF_HBA:
		if (n >= 6 && strcmp(line + n - 6, " trust") == 0) {
			if (!narrow_trust_line(line))
				return "a trust line that is not one database, one unprivileged role, one "
				       "address";
		}
		return strchr(line, '"') || strchr(line, '\'') ? "a quote in pg_hba.conf" : NULL;
	case CONF_IDENT:
		return NULL;
	case CONF_BARMAN:
		if (line[0] == '[')
			return line[n - 1] == ']' && span(line + 1, NAME_CHARS "-") == n - 2
			           ? NULL
			           : "a section header that is not [name]";
		return span(line, NAME_CHARS) > 0 && strncmp(line + span(line, NAME_CHARS), " = ", 3) == 0
		           ? NULL
		           : "a line that is not name = value";
	case CONF_HAPROXY:
		return NULL;
	}
	return NULL;
}

const char *render_check(const struct lab_rt *rt, const struct rendered_config *c)
{
	static char why[160];
	char *copy = xstrdup(c->text), *line, *save = NULL;
	const char *bad = NULL, *p;

	for (p = c->text; *p && !bad; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			bad = "a control character";
	for (line = strtok_r(copy, "\n", &save); line && !bad; line = strtok_r(NULL, "\n", &save))
		bad = check_line(c, line);
	if (!bad && c->syntax == CONF_HBA && lab_rt_by_role(rt, ROLE_PROXY) &&
	    !strstr(c->text, "/32 trust\n"))
		bad = "no trust line for haproxy's health check";
	if (bad)
		snprintf(why, sizeof(why), "%s of %s: %s", c->name, c->host->def->name, bad);
	free(copy);
	return bad ? why : NULL;
}
