/* Passwords of a lab: taken from the lab file or generated once, kept 0600 in the lab's
 * directory so that every later command (status, exec, drills) uses the same ones. */
#ifndef PGDRILL_ROLES_SECRETS_H
#define PGDRILL_ROLES_SECRETS_H

#include "provider/provider.h"

struct lab_secrets {
	char *superuser;
	char *repmgr;
	char *barman;
	char *app;
};

/* Loads LAB_DIR/secrets, or creates it. */
/* The lab's generated passwords, on this machine (owned). */
char *secrets_path(const struct lab_rt *rt);
int secrets_load_or_create(struct lab_secrets *s, const struct lab_rt *rt);
int secrets_load(struct lab_secrets *s, const struct lab_rt *rt);
void secrets_free(struct lab_secrets *s);
/* 24 characters from [A-Za-z0-9]: safe in conninfo, .pgpass and config files unquoted. */
char *secrets_generate(void);
/* One .pgpass line for any host and port, its fields escaped (':' and '\'). */
struct strbuf;
void secrets_pgpass_line(struct strbuf *sb, const char *db, const char *user, const char *pw);

#endif
