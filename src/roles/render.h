/* Every configuration file the lab's roles put on their hosts, rendered from the lab
 * model alone (no host is touched): what `pgdrill show --configs DIR` writes for a DBA to
 * read before anything runs, and what the fuzz target checks line by line. */
#ifndef PGDRILL_ROLES_RENDER_H
#define PGDRILL_ROLES_RENDER_H

#include <stddef.h>

#include "provider/provider.h"

enum config_syntax { CONF_POSTGRES, CONF_HBA, CONF_IDENT, CONF_REPMGR, CONF_HAPROXY, CONF_BARMAN };

struct rendered_config {
	const struct lab_host_rt *host;
	const char *name; /* the file's name on the host: "postgresql.conf" */
	enum config_syntax syntax;
	char *text;
};

/* Host by host in lab order; the primary's configuration as `up` writes it first. */
size_t render_configs(const struct lab_rt *rt, struct rendered_config **out);
void rendered_configs_free(struct rendered_config *c, size_t n);
/* Whether every line of the file is one line of its syntax's grammar (no setting spills
 * onto a line of its own, no quote left open, no control character) and, for pg_hba.conf,
 * whether every `trust` line is narrow: one database, one unprivileged role, one /32
 * address (the health check's, and any the lab declares). NULL when it holds, else why
 * not (static). */
const char *render_check(const struct lab_rt *rt, const struct rendered_config *c);

#endif
