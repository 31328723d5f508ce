/* The barman role: streaming backups (backup_method = postgres, WAL through a slot) from
 * the primary. No cron runs on a lab host, so pgdrill runs barman's cron loop itself. */
#ifndef PGDRILL_ROLES_BARMAN_H
#define PGDRILL_ROLES_BARMAN_H

#include <stdbool.h>

#include "provider/provider.h"
#include "roles/secrets.h"

/* The first line of the barman.conf pgdrill writes, before the lab's name. */
#define BARMAN_CONF_HEADER "; Written by pgdrill for lab "
/* True when the text is a barman.conf pgdrill wrote (its own lab's or another). */
bool barman_conf_is_pgdrills(const char *text);
/* The barman.conf of the lab's barman host, streaming from `primary` (owned). */
char *barman_conf(const struct lab_rt *rt, const struct lab_host_rt *b,
                  const struct lab_host_rt *primary);
/* Config, .pgpass, the cron loop (which starts `barman receive-wal`), the slot. */
int barman_setup(struct lab_rt *rt, const struct lab_host_rt *b, const struct lab_host_rt *primary,
                 const struct lab_secrets *s);
/* Waits until barman's WAL receiver streams from the primary (pg_stat_replication there).
 * A new physical slot reserves no WAL until its first client: a WAL switch before
 * receive-wal streams would be lost to barman. */
int barman_wait_streaming(const struct lab_rt *rt, const struct lab_host_rt *primary,
                          int timeout_ms);
/* Forces a WAL switch, waits until it is archived, then takes a base backup. */
int barman_first_backup(const struct lab_rt *rt, const struct lab_host_rt *b,
                        const struct lab_host_rt *primary);
/* Runs `barman -c CONF ARGS...` as barman; stdout owned by the caller. */
int barman_cmd(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
               char *const *args, char **out);

/* The same without -q, for commands whose answer is their output (list-backups). */
int barman_query(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
                 char *const *args, char **out);
/* `barman check SERVER`: *green when every check is OK; *failed (owned) names the ones
 * that are not ("receive-wal running: FAILED (...)"), "" when none. -1 when it could not
 * run at all. */
int barman_check(const struct lab_rt *rt, const struct lab_host_rt *b, bool *green, char **failed);

#endif
