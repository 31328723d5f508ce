/* Rules that span fields: the ones a lab can break while every value is well-formed. */
#include <stdio.h>
#include <string.h>

#include "lab/lab.h"

#define LAB_NAME_MAX 12
#define HOST_NAME_MAX_LEN 32
/* More would not be a lab for one machine; every per-host table is bounded by it. */
#define LAB_MAX_HOSTS 64
#define HOST_DISK_MIN (16ull << 20)
/* Names reported missing elsewhere still need printing. */
#define NM(s) ((s) ? (s) : "(unnamed)")

static struct src_loc host_loc(const struct lab_host *h, const char *key)
{
	return schema_field_loc(&lab_host_schema, h, key);
}

static bool valid_name(const char *s, size_t max, bool underscore)
{
	size_t i;

	if (!s || !*s || strlen(s) > max || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      (underscore && (c == '_' || (c >= 'A' && c <= 'Z')))))
			return false;
	}
	return true;
}

static bool is_private(const struct subnet *net)
{
	static const struct {
		uint32_t network;
		int prefix;
	} ranges[] = {{0x0a000000u, 8}, {0xac100000u, 12}, {0xc0a80000u, 16}};
	size_t i;

	for (i = 0; i < 3; i++)
		if (net->prefix >= ranges[i].prefix &&
		    (net->network & subnet_mask(ranges[i].prefix)) == ranges[i].network)
			return true;
	return false;
}

static size_t check_names(const struct lab *lab, struct diag_list *dl)
{
	size_t errors = 0;

	if (lab->name && !valid_name(lab->name, LAB_NAME_MAX, false)) {
		diag_add(dl, schema_field_loc(&lab_schema, lab, "name"),
		         "lab name '%s' must be 1 to %d lower-case letters, digits or '-' (it "
		         "prefixes namespace and file names)",
		         NM(lab->name), LAB_NAME_MAX);
		errors++;
	}
	return errors;
}

static size_t check_subnet(const struct lab *lab, struct diag_list *dl)
{
	const struct subnet *net = &lab->provider.subnet;
	struct src_loc at = schema_field_loc(&lab_provider_schema, &lab->provider, "subnet");

	if (lab->provider.kind == PROVIDER_EXISTING)
		return 0;
	if (!is_private(net)) {
		diag_add(dl, at,
		         "subnet must lie in a private range (10.0.0.0/8, 172.16.0.0/12 or "
		         "192.168.0.0/16): pgdrill routes it unreachable on this machine");
		return 1;
	}
	if (net->prefix < 16 || net->prefix > 28) {
		diag_add(dl, at, "subnet prefix must be between /16 and /28; found /%d",
		         net->prefix);
		return 1;
	}
	return 0;
}

static size_t check_hosts(const struct lab *lab, struct diag_list *dl)
{
	const struct subnet *net = &lab->provider.subnet;
	uint32_t broadcast = net->network | ~subnet_mask(net->prefix);
	bool check_net = lab->provider.kind != PROVIDER_EXISTING;
	size_t i, j, errors = 0;

	if (lab->hosts.count > LAB_MAX_HOSTS) {
		diag_add(dl, schema_field_loc(&lab_schema, lab, "hosts"),
		         "a lab has at most %d hosts; found %zu", LAB_MAX_HOSTS, lab->hosts.count);
		errors++;
	}
	for (i = 0; i < lab->hosts.count; i++) {
		const struct lab_host *h = LAB_HOST(lab, i);

		if (!h->name)
			continue; /* reported as a missing required key */
		if (!valid_name(h->name, HOST_NAME_MAX_LEN, false)) {
			diag_add(dl, host_loc(h, "name"),
			         "host name '%s' must be 1 to %d lower-case letters, digits or '-'",
			         NM(h->name), HOST_NAME_MAX_LEN);
			errors++;
		} else if (strcmp(h->name, "br") == 0 || strcmp(h->name, "client") == 0) {
			diag_add(dl, host_loc(h, "name"),
			         "host name '%s' is reserved: pgdrill's own bridge and client "
			         "namespaces are called 'br' and 'client'",
			         h->name);
			errors++;
		}
		for (j = 0; j < i; j++) {
			const struct lab_host *o = LAB_HOST(lab, j);

			if (o->name && strcmp(o->name, h->name) == 0) {
				diag_add(dl, host_loc(h, "name"),
				         "host '%s' is defined twice (first at line %d)",
				         NM(h->name), host_loc(o, "name").line);
				errors++;
			} else if (o->address && o->address == h->address) {
				char a[16];

				units_format_ipv4(h->address, a, sizeof(a));
				diag_add(dl, host_loc(h, "address"),
				         "address %s of host '%s' is already used by host '%s'", a,
				         NM(h->name), NM(o->name));
				errors++;
			}
		}
		if (h->address == 0) {
			diag_add(dl, host_loc(h, "name"),
			         "no free address left in the subnet for host '%s'", NM(h->name));
			errors++;
		} else if (check_net && !subnet_contains(net, h->address)) {
			char a[16], n[24];

			units_format_ipv4(h->address, a, sizeof(a));
			units_format_subnet(net, n, sizeof(n));
			diag_add(dl, host_loc(h, "address"),
			         "address %s of host '%s' is outside the lab subnet %s", a,
			         NM(h->name), n);
			errors++;
		} else if (check_net &&
		           (h->address == net->network || h->address == broadcast ||
		            h->address == net->network + 1 || h->address == net->network + 2)) {
			char a[16];

			units_format_ipv4(h->address, a, sizeof(a));
			diag_add(dl, host_loc(h, "address"),
			         "address %s of host '%s' is the subnet's network or broadcast "
			         "address, or one pgdrill keeps for itself (.1, .2); pick another",
			         a, NM(h->name));
			errors++;
		}
		/* tmpfs takes size=0 as "no limit": a lab disk always has one. */
		if (h->disk < HOST_DISK_MIN) {
			diag_add(dl, host_loc(h, "disk"),
			         "disk of host '%s' must be at least 16MB (PostgreSQL needs room, and 0 "
			         "would mean no limit at all)",
			         NM(h->name));
			errors++;
		}
		if (h->settings.count && !lab_host_is_postgres(h)) {
			diag_add(dl, host_loc(h, "settings"),
			         "host '%s' is a %s: PostgreSQL settings apply only to primary, "
			         "standby and witness hosts",
			         NM(h->name), host_role_names[h->role]);
			errors++;
		}
	}
	return errors;
}

static size_t check_roles(const struct lab *lab, struct diag_list *dl)
{
	static const int single[] = {ROLE_PROXY, ROLE_BARMAN, ROLE_WITNESS};
	struct src_loc hosts_at = schema_field_loc(&lab_schema, lab, "hosts");
	size_t standbys = lab_count_role(lab, ROLE_STANDBY), errors = 0, i, k;
	size_t promotable = 0;

	if (lab_count_role(lab, ROLE_PRIMARY) == 0) {
		diag_add(dl, hosts_at, "no host has role primary; exactly one must");
		errors++;
	}
	for (i = 0, k = 0; i < lab->hosts.count; i++) {
		const struct lab_host *h = LAB_HOST(lab, i);

		if (h->role == ROLE_PRIMARY && k++ == 1) {
			diag_add(
			    dl, host_loc(h, "role"),
			    "host '%s' is a second primary (the first is '%s'); exactly one host "
			    "has role primary, the others are standbys",
			    NM(h->name), NM(lab_host_by_role(lab, ROLE_PRIMARY)->name));
			errors++;
		}
		if (h->role == ROLE_STANDBY && h->priority > 0)
			promotable++;
	}
	for (k = 0; k < sizeof(single) / sizeof(single[0]); k++) {
		const struct lab_host *first = lab_host_by_role(lab, single[k]);

		for (i = 0; first && i < lab->hosts.count; i++) {
			const struct lab_host *h = LAB_HOST(lab, i);

			if (h != first && h->role == single[k]) {
				diag_add(
				    dl, host_loc(h, "role"),
				    "host '%s' is a second %s (the first is '%s'); a lab has at "
				    "most one",
				    NM(h->name), host_role_names[single[k]], NM(first->name));
				errors++;
			}
		}
	}
	if (lab->repmgr.failover == FAILOVER_AUTOMATIC && standbys == 0 &&
	    lab_count_role(lab, ROLE_PRIMARY) > 0) {
		diag_add(dl, hosts_at,
		         "repmgr failover is automatic but there is no standby to "
		         "promote; add a standby or set repmgr.failover: manual");
		errors++;
	} else if (lab->repmgr.failover == FAILOVER_AUTOMATIC && standbys > 0 && promotable == 0) {
		diag_add(dl, hosts_at,
		         "repmgr failover is automatic but every standby has priority "
		         "0, so none can be promoted");
		errors++;
	}
	if (lab->postgres.synchronous != 0 && standbys == 0) {
		diag_add(dl, schema_field_loc(&lab_postgres_schema, &lab->postgres, "synchronous"),
		         "synchronous replication needs at least one standby; writes would wait "
		         "forever");
		errors++;
	}
	if (lab_count_role(lab, ROLE_WITNESS) && standbys == 0) {
		diag_add(dl, host_loc(lab_host_by_role(lab, ROLE_WITNESS), "role"),
		         "a repmgr witness is useful only with at least one standby");
		errors++;
	}
	return errors;
}

static size_t check_listeners(const struct lab *lab, struct diag_list *dl)
{
	size_t i, j, errors = 0;
	long own_ports[2] = {lab->haproxy.stats_port, lab->haproxy.agent_port};
	const char *own_names[2] = {"haproxy.stats_port", "haproxy.agent_port"};

	if (lab->haproxy.listeners.count && !lab_host_by_role(lab, ROLE_PROXY)) {
		diag_add(dl, schema_field_loc(&lab_haproxy_schema, &lab->haproxy, "listeners"),
		         "haproxy listeners are defined but no host has role proxy");
		errors++;
	}
	for (i = 0; i < lab->haproxy.listeners.count; i++) {
		const struct lab_listener *l = LAB_LISTENER(lab, i);
		struct src_loc port_at = schema_field_loc(&lab_listener_schema, l, "port");

		if (!l->name)
			continue;
		if (!valid_name(l->name, 32, true)) {
			diag_add(dl, schema_field_loc(&lab_listener_schema, l, "name"),
			         "listener name '%s' must be 1 to 32 letters, digits, '_' or '-'",
			         NM(l->name));
			errors++;
		}
		/* haproxy.cfg has a section of that name already (the stats page), and haproxy
		 * refuses two proxies of one name. */
		if (strcmp(l->name, "stats") == 0) {
			diag_add(dl, schema_field_loc(&lab_listener_schema, l, "name"),
			         "listener name 'stats' is taken by haproxy's stats page; choose "
			         "another");
			errors++;
		}
		for (j = 0; j < i; j++) {
			const struct lab_listener *o = LAB_LISTENER(lab, j);

			if (o->name && strcmp(o->name, l->name) == 0) {
				diag_add(dl, schema_field_loc(&lab_listener_schema, l, "name"),
				         "listener '%s' is defined twice", NM(l->name));
				errors++;
			}
			if (o->port == l->port) {
				diag_add(
				    dl, port_at,
				    "port %ld of listener '%s' is already used by listener '%s'",
				    l->port, NM(l->name), NM(o->name));
				errors++;
			}
		}
		for (j = 0; j < 2; j++) {
			if (own_ports[j] == l->port) {
				diag_add(dl, port_at, "port %ld of listener '%s' clashes with %s",
				         l->port, NM(l->name), own_names[j]);
				errors++;
			}
		}
		if (l->target == TARGET_REPLICA && l->check == CHECK_PGSQL) {
			diag_add(dl, schema_field_loc(&lab_listener_schema, l, "check"),
			         "listener '%s' targets replicas but pgsql-check cannot tell a "
			         "replica from a primary; use tcp-check or http-agent",
			         NM(l->name));
			errors++;
		}
	}
	if (lab->haproxy.stats_port == lab->haproxy.agent_port) {
		diag_add(dl, schema_field_loc(&lab_haproxy_schema, &lab->haproxy, "agent_port"),
		         "haproxy.agent_port and haproxy.stats_port must differ");
		errors++;
	}
	if (lab->haproxy.agent_port == lab->postgres.port) {
		diag_add(dl, schema_field_loc(&lab_haproxy_schema, &lab->haproxy, "agent_port"),
		         "haproxy.agent_port must differ from postgres.port (%ld)",
		         lab->postgres.port);
		errors++;
	}
	return errors;
}

/* Words pg_hba.conf reads as "more than one", and roles pgdrill makes with privileges:
 * none may stand where one unprivileged role or database is meant. */
static const char *const reserved_names[] = {
    "all", "sameuser", "samerole", "samegroup", "replication", "public",
    "postgres", "repmgr", "barman", "streaming_barman", "template0", "template1", NULL};

static bool is_reserved(const char *name)
{
	size_t i;

	if (strncmp(name, "pg_", 3) == 0)
		return true;
	for (i = 0; reserved_names[i]; i++)
		if (strcmp(name, reserved_names[i]) == 0)
			return true;
	return false;
}

/* An hba address: a keyword, or an IPv4 network in CIDR form with its host bits zero.
 * *prefix gets the mask length (-1 for a keyword). */
static bool hba_address(const char *a, int *prefix)
{
	struct subnet net;

	*prefix = -1;
	if (strcmp(a, "all") == 0 || strcmp(a, "samehost") == 0 || strcmp(a, "samenet") == 0)
		return true;
	if (units_parse_subnet(a, &net) < 0)
		return false;
	*prefix = net.prefix;
	return true;
}

static size_t check_hba(const struct lab *lab, struct diag_list *dl)
{
	size_t i, errors = 0;

	for (i = 0; i < lab->postgres.hba.count; i++) {
		const struct lab_hba_rule *r = LAB_HBA(lab, i);
		int prefix = -1;

		if (r->type != HBA_LOCAL && !hba_address(r->address, &prefix)) {
			diag_add(dl, schema_field_loc(&lab_hba_rule_schema, r, "address"),
			         "hba address '%s' must be all, samehost, samenet or an IPv4 network "
			         "like 10.0.0.0/24 (host bits zero)",
			         r->address);
			errors++;
			continue;
		}
		if (r->method != HBA_TRUST)
			continue;
		if (is_reserved(r->database) || is_reserved(r->user) ||
		    (r->type != HBA_LOCAL && prefix != 32)) {
			diag_add(dl, schema_field_loc(&lab_hba_rule_schema, r, "method"),
			         "trust is allowed only for one database, one unprivileged role and "
			         "one /32 address; use scram-sha-256");
			errors++;
		}
	}
	return errors;
}

/* The application's and the health check's roles: the one trust line pgdrill writes is
 * for the health-check role alone, so it must be one unprivileged role of its own. */
static size_t check_credentials(const struct lab *lab, struct diag_list *dl)
{
	const struct lab_credentials *c = &lab->credentials;
	static const char *const keys[] = {"app_user", "app_database", "healthcheck_user"};
	const char *values[] = {c->app_user, c->app_database, c->healthcheck_user};
	size_t i, errors = 0;

	for (i = 0; i < 3; i++) {
		if (values[i] && is_reserved(values[i])) {
			diag_add(dl, schema_field_loc(&lab_credentials_schema, c, keys[i]),
			         "credentials.%s cannot be '%s': that name means more than one role or "
			         "database to pg_hba.conf, or is a role pgdrill gives privileges to",
			         keys[i], values[i]);
			errors++;
		}
	}
	if (c->app_user && c->healthcheck_user && strcmp(c->app_user, c->healthcheck_user) == 0) {
		diag_add(dl, schema_field_loc(&lab_credentials_schema, c, "healthcheck_user"),
		         "credentials.healthcheck_user must differ from app_user: the health check "
		         "logs in without a password");
		errors++;
	}
	return errors;
}

/* The state directory ends up unquoted in haproxy.cfg and in shell-free
 * argument lists; a plain absolute path keeps every one of those readings the same. */
static bool valid_state_dir(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 200 || s[0] != '/' || strstr(s, "/../") || strstr(s, "//"))
		return false;
	if (n >= 3 && strcmp(s + n - 3, "/..") == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == n;
}

static size_t check_provider(const struct lab *lab, struct diag_list *dl)
{
	const struct lab_provider *p = &lab->provider;

	if (p->kind == PROVIDER_LIBVIRT && !p->uri) {
		diag_add(dl, schema_field_loc(&lab_provider_schema, p, "kind"),
		         "the libvirt provider needs provider.uri (e.g. lxc:///system)");
		return 1;
	}
	if (p->state_dir && !valid_state_dir(p->state_dir)) {
		diag_add(dl, schema_field_loc(&lab_provider_schema, p, "state_dir"),
		         "provider.state_dir must be an absolute path of letters, digits and . _ - / "
		         "(no '..', at most 200 characters): it is written into postgres, repmgr and "
		         "haproxy configuration; found '%s'",
		         p->state_dir);
		return 1;
	}
	return 0;
}

/* "SHA256:" and 43 characters of unpadded base64, as ssh-keygen -lf prints it. */
static bool valid_fingerprint(const char *s)
{
	size_t i;

	if (strncmp(s, "SHA256:", 7) != 0 || strlen(s) != 7 + 43)
		return false;
	for (i = 7; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return false;
	return true;
}

/* An environment variable's name: [A-Z_][A-Z0-9_]*. */
static bool valid_env_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		      (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return false;
	return i > 0 && i <= 64;
}

/* A DNS name or an IPv4 address: letters, digits, '-', '.'; it ends up in messages and in
 * the known_hosts file. */
static bool valid_host_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return i > 0 && i <= 253 && s[0] != '-' && s[0] != '.';
}

/* An `ip netns` name: it becomes a path under /run/netns. */
static bool valid_netns_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && s[0] != '.' && s[0] != '-' && strstr(s, "..") == NULL &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* "all", "none", or fault names separated by commas (spaces allowed). */
static bool valid_fault_list(const char *s, char *bad, size_t badcap)
{
	const char *p = s;

	if (strcmp(s, "all") == 0 || strcmp(s, "none") == 0)
		return true;
	while (*p) {
		size_t n, k;

		p += strspn(p, " ");
		n = strcspn(p, ", ");
		for (k = 0; lab_fault_names[k]; k++)
			if (strlen(lab_fault_names[k]) == n && strncmp(lab_fault_names[k], p, n) == 0)
				break;
		if (n == 0 || !lab_fault_names[k]) {
			snprintf(bad, badcap, "%.*s", (int)(n ? n : 1), p);
			return false;
		}
		p += n;
		p += strspn(p, " ");
		if (*p == ',')
			p++;
	}
	return true;
}

static size_t check_key_file(const struct src_loc at, const char *what, const char *path,
                             struct diag_list *dl)
{
	if (!path || path[0] == '/')
		return 0;
	diag_add(dl, at, "%s must be an absolute path; found '%s'", what, path);
	return 1;
}

bool lab_valid_place(const char *path)
{
	const char *p;

	if (!path || path[0] != '/' || strlen(path) > 256 || strcmp(path, "/") == 0)
		return false;
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (p = path + 1;; p += strcspn(p, "/") + 1) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
	}
}

/* A place is declared (any of `paths` but `bin`). */
static bool places_declared(const struct lab_paths *p)
{
	return p->data || p->config || p->hba || p->repmgr_conf || p->pgpass || p->barman_conf ||
	       p->haproxy_socket || p->haproxy_conf || p->server_log;
}

static size_t check_paths(const struct lab_host *h, struct diag_list *dl)
{
	static const char *const keys[] = {"data",        "config",         "hba", "repmgr_conf",
	                                   "pgpass",      "barman_conf",    "bin",
	                                   "haproxy_socket", "haproxy_conf", "server_log"};
	const struct lab_paths *p = &h->paths;
	const char *const values[] = {p->data,        p->config,         p->hba, p->repmgr_conf,
	                              p->pgpass,      p->barman_conf,    p->bin,
	                              p->haproxy_socket, p->haproxy_conf, p->server_log};
	/* A place of one role's host alone. */
	const struct {
		const char *key, *value;
		int role;
	} own[] = {{"barman_conf", p->barman_conf, ROLE_BARMAN},
	           {"haproxy_socket", p->haproxy_socket, ROLE_PROXY},
	           {"haproxy_conf", p->haproxy_conf, ROLE_PROXY}};
	bool barman = h->role == ROLE_BARMAN;
	size_t i, errors = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!values[i] || lab_valid_place(values[i]))
			continue;
		diag_add(dl, schema_field_loc(&lab_paths_schema, p, keys[i]),
		         "paths.%s of host '%s' must be an absolute path below '/' whose every "
		         "component is a name (no '.', '..' or '//'), at most 256 bytes; found '%s'",
		         keys[i], NM(h->name), values[i]);
		errors++;
	}
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (!own[i].value || h->role == own[i].role)
			continue;
		diag_add(dl, schema_field_loc(&lab_paths_schema, p, own[i].key),
		         "paths.%s is for the %s host; '%s' is a %s", own[i].key,
		         host_role_names[own[i].role], NM(h->name), host_role_names[h->role]);
		errors++;
	}
	/* barman's host keeps a password file of its own, and nothing else of a node. */
	if ((p->data || p->config || p->hba || p->repmgr_conf || p->server_log ||
	     (p->pgpass && !barman) ||
	     h->service.start || h->service.stop) &&
	    !lab_host_is_postgres(h)) {
		diag_add(dl, host_loc(h, places_declared(p) ? "paths" : "service"),
		         "host '%s' runs no PostgreSQL node: only 'paths.bin'%s apply to it",
		         NM(h->name),
		         barman                    ? ", 'paths.pgpass' and 'paths.barman_conf'"
		         : h->role == ROLE_PROXY ? ", 'paths.haproxy_socket' and 'paths.haproxy_conf'"
		                                 : "");
		errors++;
	}
	if (h->barman_ssh && (h->role != ROLE_SPARE || strlen(h->barman_ssh) > 256)) {
		diag_add(dl, host_loc(h, "barman_ssh"),
		         h->role != ROLE_SPARE
		             ? "barman_ssh of host '%s' is for a spare host (where barman restores)"
		             : "barman_ssh of host '%s' is longer than 256 bytes",
		         NM(h->name));
		errors++;
	}
	return errors;
}

static size_t check_existing_host(const struct lab_host *h, struct diag_list *dl)
{
	const struct lab_ssh *s = &h->ssh;
	size_t errors = 0;
	char bad[64];

	errors += check_paths(h, dl);

	errors += check_key_file(schema_field_loc(&lab_ssh_schema, s, "key"), "ssh.key", s->key,
	                         dl);
	if (h->root && (h->root[0] != '/' || strstr(h->root, "/..") || strlen(h->root) > 256 ||
	                strcmp(h->root, "/") == 0)) {
		diag_add(dl, host_loc(h, "root"),
		         "root of host '%s' must be an absolute path below '/' without '..'; found "
		         "'%s'",
		         NM(h->name), h->root);
		errors++;
	}
	if (s->host && !valid_host_name(s->host)) {
		diag_add(dl, schema_field_loc(&lab_ssh_schema, s, "host"),
		         "ssh.host '%s' of host '%s' must be a DNS name or an IPv4 address", s->host,
		         NM(h->name));
		errors++;
	}
	if (s->known_host_key && !valid_fingerprint(s->known_host_key)) {
		diag_add(dl, schema_field_loc(&lab_ssh_schema, s, "known_host_key"),
		         "ssh.known_host_key of host '%s' must be a SHA256 fingerprint as "
		         "'ssh-keygen -lf' prints it (SHA256: and 43 characters)",
		         NM(h->name));
		errors++;
	}
	if (s->password_env && !valid_env_name(s->password_env)) {
		diag_add(dl, schema_field_loc(&lab_ssh_schema, s, "password_env"),
		         "ssh.password_env must name an environment variable ([A-Z_][A-Z0-9_]*); "
		         "the password itself never goes in the lab file");
		errors++;
	}
	if (h->allow_faults && !valid_fault_list(h->allow_faults, bad, sizeof(bad))) {
		diag_add(dl, host_loc(h, "allow_faults"),
		         "allow_faults of host '%s': '%s' is no fault; use all, none or a list of: "
		         "kill, pause, crash, fill_disk, break_hba, partition, loss, switchover, "
		         "barman_restore, link_down, rejoin",
		         NM(h->name), bad);
		errors++;
	}
	return errors;
}

/* The keys only an `existing` lab reads, checked when it is one, and refused elsewhere so
 * that nobody believes a netns lab honours them. */
static size_t check_existing(const struct lab *lab, struct diag_list *dl)
{
	const struct lab_provider *p = &lab->provider;
	size_t i, errors = 0;

	if (p->kind != PROVIDER_EXISTING) {
		for (i = 0; i < lab->hosts.count; i++) {
			const struct lab_host *h = LAB_HOST(lab, i);
			/* `ssh` is not refused: `pgdrill show` prints its defaults for every lab. */
			const struct lab_paths *pa = &h->paths;
			const char *key = h->allow_faults                           ? "allow_faults"
			                  : h->barman_ssh                           ? "barman_ssh"
			                  : h->root                                 ? "root"
			                  : places_declared(pa) || pa->bin     ? "paths"
			                  : (h->service.start || h->service.stop) ? "service"
			                                                            : NULL;

			if (key) {
				diag_add(dl, host_loc(h, key),
				         "'%s' is for hosts of an existing lab (provider.kind: existing); "
				         "this lab's provider builds its own hosts",
				         key);
				errors++;
			}
		}
		if (p->network_namespace) {
			diag_add(dl, schema_field_loc(&lab_provider_schema, p, "network_namespace"),
			         "provider.network_namespace is for existing labs");
			errors++;
		}
		return errors;
	}
	if (p->network_namespace && !valid_netns_name(p->network_namespace)) {
		diag_add(dl, schema_field_loc(&lab_provider_schema, p, "network_namespace"),
		         "provider.network_namespace '%s' must be the name of a network namespace "
		         "(letters, digits, '-', '_', '.')",
		         p->network_namespace);
		errors++;
	}
	errors += check_key_file(schema_field_loc(&lab_provider_schema, p, "ssh_key"),
	                         "provider.ssh_key", p->ssh_key, dl);
	if (!lab->credentials.superuser_password || !lab->credentials.app_password) {
		diag_add(dl, schema_field_loc(&lab_schema, lab, "provider"),
		         "an existing lab needs credentials.superuser_password and "
		         "credentials.app_password: pgdrill cannot make up the passwords of a "
		         "cluster it did not build");
		errors++;
	}
	for (i = 0; i < lab->hosts.count; i++)
		errors += check_existing_host(LAB_HOST(lab, i), dl);
	return errors;
}

size_t lab_validate(const struct lab *lab, struct diag_list *dl)
{
	return check_names(lab, dl) + check_subnet(lab, dl) + check_provider(lab, dl) +
	       check_hosts(lab, dl) + check_roles(lab, dl) + check_listeners(lab, dl) +
	       check_hba(lab, dl) + check_credentials(lab, dl) + check_existing(lab, dl);
}
