#include "roles/secrets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

char *secrets_generate(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[24];
	char *s = xmalloc(sizeof(raw) + 1);
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		abort(); /* the kernel's random source does not fail on a booted machine */
	for (i = 0; i < sizeof(raw); i++)
		s[i] = alphabet[raw[i] % 62]; /* bias of 256 mod 62 is harmless for a test lab */
	s[sizeof(raw)] = '\0';
	return s;
}

static char **slot(struct lab_secrets *s, const char *key)
{
	if (strcmp(key, "superuser") == 0)
		return &s->superuser;
	if (strcmp(key, "repmgr") == 0)
		return &s->repmgr;
	if (strcmp(key, "barman") == 0)
		return &s->barman;
	if (strcmp(key, "app") == 0)
		return &s->app;
	return NULL;
}

char *secrets_path(const struct lab_rt *rt)
{
	return xasprintf("%s/secrets", rt->lab_dir);
}

int secrets_load(struct lab_secrets *s, const struct lab_rt *rt)
{
	char *path = secrets_path(rt), *text = NULL, *line, *save = NULL;
	int rc = fs_read_file(path, &text, NULL);

	memset(s, 0, sizeof(*s));
	free(path);
	if (rc < 0)
		return rc;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), **dst;

		if (!eq)
			continue;
		*eq = '\0';
		dst = slot(s, line);
		if (dst) {
			free(*dst);
			*dst = xstrdup(eq + 1);
		}
	}
	free(text);
	if (!s->superuser || !s->repmgr || !s->barman || !s->app) {
		secrets_free(s);
		return error_set("the secrets file of lab '%s' is incomplete; run 'pgdrill down' "
		                 "and bring the lab up again",
		                 rt->lab->name);
	}
	return 0;
}

int secrets_load_or_create(struct lab_secrets *s, const struct lab_rt *rt)
{
	const struct lab_credentials *c = &rt->lab->credentials;
	char *path, *text;
	int rc = secrets_load(s, rt);

	if (rc == 0)
		return 0;
	if (rc != PD_ENOTFOUND)
		return rc;
	error_clear();
	s->superuser = c->superuser_password ? xstrdup(c->superuser_password) : secrets_generate();
	s->repmgr = c->repmgr_password ? xstrdup(c->repmgr_password) : secrets_generate();
	s->barman = c->barman_password ? xstrdup(c->barman_password) : secrets_generate();
	s->app = c->app_password ? xstrdup(c->app_password) : secrets_generate();
	path = secrets_path(rt);
	text = xasprintf("superuser=%s\nrepmgr=%s\nbarman=%s\napp=%s\n", s->superuser, s->repmgr,
	                 s->barman, s->app);
	rc = fs_write_string(path, text, 0600, NULL);
	free(text);
	free(path);
	return rc;
}

void secrets_free(struct lab_secrets *s)
{
	free(s->superuser);
	free(s->repmgr);
	free(s->barman);
	free(s->app);
	memset(s, 0, sizeof(*s));
}

/* .pgpass fields escape ':' and '\'. */
static void put_pgpass_field(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == ':' || *s == '\\')
			strbuf_putc(sb, '\\');
		strbuf_putc(sb, *s);
	}
}

void secrets_pgpass_line(struct strbuf *sb, const char *db, const char *user, const char *pw)
{
	strbuf_puts(sb, "*:*:");
	put_pgpass_field(sb, db);
	strbuf_putc(sb, ':');
	put_pgpass_field(sb, user);
	strbuf_putc(sb, ':');
	put_pgpass_field(sb, pw);
	strbuf_putc(sb, '\n');
}
