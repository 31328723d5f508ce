/* The lab model: what a lab file describes, after defaults. Field tables in model.c
 * describe every member; keep the two in the same order. */
#ifndef PGDRILL_LAB_MODEL_H
#define PGDRILL_LAB_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "lab/schema.h"

enum provider_kind { PROVIDER_NETNS, PROVIDER_LIBVIRT, PROVIDER_EXISTING };
enum host_role { ROLE_PRIMARY, ROLE_STANDBY, ROLE_PROXY, ROLE_BARMAN, ROLE_WITNESS, ROLE_SPARE };
enum failover_mode { FAILOVER_AUTOMATIC, FAILOVER_MANUAL };
enum sync_mode { SYNC_OFF, SYNC_ANY, SYNC_FIRST };
enum check_style { CHECK_PGSQL, CHECK_TCP, CHECK_HTTP_AGENT };
enum listener_target { TARGET_PRIMARY, TARGET_REPLICA, TARGET_ANY };
enum hba_type { HBA_HOST, HBA_HOSTSSL, HBA_LOCAL };
enum hba_method { HBA_SCRAM, HBA_MD5, HBA_REJECT, HBA_TRUST };
enum ssh_become { BECOME_SUDO, BECOME_NONE };
enum lab_environment { ENV_UNSPECIFIED, ENV_TEST, ENV_STAGING, ENV_PRODUCTION };

extern const char *const provider_kind_names[];
extern const char *const host_role_names[];
extern const char *const check_style_names[];
extern const char *const listener_target_names[];
extern const char *const ssh_become_names[];
extern const char *const lab_environment_names[];
/* What a lab may allow a drill to do to a host (`allow_faults`): the drill API's faults. */
extern const char *const lab_fault_names[];

struct lab_provider {
	struct record_meta meta;
	int kind;
	struct subnet subnet;
	char *state_dir;
	char *uri;
	char *image;
	char *ssh_user;
	char *ssh_key;
	char *network_namespace;
};

/* How pgdrill reaches a host of an `existing` lab. */
struct lab_ssh {
	struct record_meta meta;
	char *host;           /* NULL: the host's address */
	long port;
	char *user;           /* NULL: provider.ssh_user */
	char *key;            /* NULL: provider.ssh_key, else ssh-agent */
	int become;           /* enum ssh_become */
	char *known_host_key; /* "SHA256:..." pinned, or NULL */
	char *password_env;   /* environment variable holding the password, or NULL */
};

/* Where an existing host keeps what pgdrill's layout has under the host's root; each left
 * out is discovered (config, hba) or under the root as pgdrill lays it out. */
struct lab_paths {
	struct record_meta meta;
	char *data;        /* the data directory */
	char *config;      /* postgresql.conf */
	char *hba;         /* pg_hba.conf */
	char *repmgr_conf; /* repmgr.conf */
	char *pgpass;      /* the password file of the postgres user (barman's, on its host) */
	char *barman_conf; /* barman's configuration (the barman host) */
	char *haproxy_socket; /* haproxy's stats socket, level admin (the proxy host) */
	char *haproxy_conf;   /* the configuration haproxy runs with (the proxy host) */
	char *server_log;     /* the log PostgreSQL's server writes (a node) */
	char *bin;         /* PostgreSQL's programs (pg_ctl, pg_rewind...) */
};

/* How an existing host's PostgreSQL is started and stopped, when not by pgdrill's own
 * `postgres -D` and a fast shutdown. Shell commands run as root on the host. */
struct lab_service {
	struct record_meta meta;
	char *start;
	char *stop;
};

struct lab_host {
	struct record_meta meta;
	char *name;
	int role;
	uint32_t address;
	uint64_t disk;
	long priority;
	char *location;
	char *uri;
	struct kvlist settings;
	struct lab_ssh ssh;
	char *root;         /* existing: where pgdrill's layout (data/, conf/, run/) is */
	struct lab_paths paths;     /* existing: declared places outside that layout */
	struct lab_service service; /* existing: the node's own start and stop */
	char *allow_faults; /* NULL: by the lab's environment */
	char *barman_ssh;   /* existing spare: how barman's host reaches it as postgres */
};

struct lab_hba_rule {
	struct record_meta meta;
	int type;
	char *database;
	char *user;
	char *address;
	int method;
};

/* The WAL settings pgdrill writes into every node's postgresql.conf (roles/postgres.c),
 * in MB: between them up to their sum of WAL on each node's disk, beside the data. The
 * lab's risks compare a node's disk with them. */
#define LAB_PG_MAX_WAL_MB 96
#define LAB_PG_WAL_KEEP_MB 64
/* The smallest disk a node keeps its WAL on through rounds of drills: the WAL above, about
 * 60 MB of data and the drills' ballast rows, with room to spare. */
#define LAB_PG_DISK_FLOOR_MB 320

struct lab_postgres {
	struct record_meta meta;
	long version;
	long port;
	int synchronous;
	bool data_checksums;
	bool initdb_template;
	struct kvlist settings;
	struct reclist hba; /* struct lab_hba_rule */
};

struct lab_repmgr {
	struct record_meta meta;
	int failover;
	int64_t monitor_interval;
	long reconnect_attempts;
	int64_t reconnect_interval;
	int64_t connect_timeout;
	int64_t keepalives_idle;
	int64_t tcp_user_timeout;
	int64_t wal_receiver_timeout;
	bool use_replication_slots;
	bool primary_visibility_consensus;
};

struct lab_barman {
	struct record_meta meta;
	char *server_name;
	bool streaming_archiver;
	char *slot_name;
	bool first_backup;
	long retention_backups;
	bool follow_primary;
};

struct lab_listener {
	struct record_meta meta;
	char *name;
	long port;
	int target;
	int check;
	int64_t check_interval;
	long fall;
	long rise;
};

struct lab_haproxy {
	struct record_meta meta;
	long stats_port;
	long agent_port;
	int64_t connect_timeout;
	int64_t client_timeout;
	struct reclist listeners; /* struct lab_listener */
};

struct lab_credentials {
	struct record_meta meta;
	char *superuser_password;
	char *repmgr_password;
	char *barman_password;
	char *app_user;
	char *app_password;
	char *app_database;
	char *healthcheck_user;
};

struct lab_workload {
	struct record_meta meta;
	char *kind;
	long clients;
	long readers;
	long rate;
	int64_t reconnect_backoff;
	int64_t statement_timeout;
};

struct lab_objectives {
	struct record_meta meta;
	int64_t rto;
	int64_t rpo;
	uint64_t max_lag;
	int64_t recovery_within;
	int64_t backup_age;
};

/* A risk the audit reports that the lab's owners accepted, with their reason: its
 * findings (of `rule`, whose evidence holds `where` when given) are reported as info. */
struct lab_accepted_risk {
	struct record_meta meta;
	char *rule;
	char *where;
	char *reason;
};

struct lab_audit {
	struct record_meta meta;
	struct reclist accept; /* struct lab_accepted_risk */
};

struct lab {
	struct record_meta meta;
	char *name;
	int environment; /* enum lab_environment */
	struct lab_provider provider;
	struct lab_postgres postgres;
	struct lab_repmgr repmgr;
	struct lab_barman barman;
	struct lab_haproxy haproxy;
	struct lab_credentials credentials;
	struct lab_workload workload;
	struct lab_objectives objectives;
	struct lab_audit audit;
	struct reclist hosts; /* struct lab_host */
	char *source; /* the text the lab was loaded from (owned), NULL when there is none */
};

extern const struct schema lab_schema;
extern const struct schema lab_host_schema;
extern const struct schema lab_listener_schema;
extern const struct schema lab_hba_rule_schema;
extern const struct schema lab_provider_schema;
extern const struct schema lab_ssh_schema;
extern const struct schema lab_paths_schema;
extern const struct schema lab_service_schema;
extern const struct schema lab_postgres_schema;
extern const struct schema lab_repmgr_schema;
extern const struct schema lab_barman_schema;
extern const struct schema lab_haproxy_schema;
extern const struct schema lab_credentials_schema;
extern const struct schema lab_workload_schema;
extern const struct schema lab_objectives_schema;
extern const struct schema lab_audit_schema;
extern const struct schema lab_accepted_risk_schema;

#define LAB_HOST(lab, i) RECLIST_AT((lab)->hosts, struct lab_host, i)
#define LAB_LISTENER(lab, i) RECLIST_AT((lab)->haproxy.listeners, struct lab_listener, i)
#define LAB_ACCEPTED(lab, i) RECLIST_AT((lab)->audit.accept, struct lab_accepted_risk, i)
#define LAB_HBA(lab, i) RECLIST_AT((lab)->postgres.hba, struct lab_hba_rule, i)

/* Hosts by role: the first one, or NULL; and how many. */
const struct lab_host *lab_host_by_role(const struct lab *lab, enum host_role role);
size_t lab_count_role(const struct lab *lab, enum host_role role);
const struct lab_host *lab_host_by_name(const struct lab *lab, const char *name);
/* haproxy's listener of that name, or NULL. */
const struct lab_listener *lab_listener_by_name(const struct lab *lab, const char *name);
bool lab_host_is_postgres(const struct lab_host *h);
/* A place on a host (paths.*, or one its server reports): absolute, below '/', at most
 * 256 bytes, every component a name (no '.', '..' or empty one) and no control
 * character, so that what pgdrill writes there is where it was told. */
bool lab_valid_place(const char *path);
/* Whether a drill may inject `fault` (a name of lab_fault_names) on the host: always on
 * hosts pgdrill builds; on existing hosts as `allow_faults` says, or when it is left out,
 * only in a lab whose environment is `test`. */
bool lab_host_allows_fault(const struct lab *lab, const struct lab_host *h, const char *fault);

#endif
