/* Field tables for the lab model. Each row is one key of the lab file: its type, default
 * and the sentence docs/labs.md prints for it. */
#include "lab/model.h"

#include <stddef.h>
#include <string.h>

const char *const provider_kind_names[] = {"netns", "libvirt", "existing", NULL};
const char *const host_role_names[] = {"primary", "standby", "proxy", "barman",
                                       "witness", "spare",   NULL};
static const char *const failover_names[] = {"automatic", "manual", NULL};
static const char *const sync_names[] = {"off", "any", "first", NULL};
const char *const check_style_names[] = {"pgsql-check", "tcp-check", "http-agent", NULL};
const char *const listener_target_names[] = {"primary", "replica", "any", NULL};
static const char *const hba_type_names[] = {"host", "hostssl", "local", NULL};
static const char *const hba_method_names[] = {"scram-sha-256", "md5", "reject", "trust", NULL};
const char *const ssh_become_names[] = {"sudo", "none", NULL};
const char *const lab_environment_names[] = {"unspecified", "test", "staging", "production",
                                             NULL};
const char *const lab_fault_names[] = {
    "kill",   "pause",      "crash",          "fill_disk", "break_hba", "partition",
    "loss",   "switchover", "barman_restore", "link_down", "rejoin",    "haproxy_check", NULL};

#define FIELD(st, member, ty, ...)                                                                 \
	{                                                                                          \
		.key = #member, .type = (ty), .offset = offsetof(st, member), __VA_ARGS__          \
	}
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define SCHEMA(nm, st, tbl, dc)                                                                    \
	{                                                                                          \
		.name = (nm), .doc = (dc), .size = sizeof(st), .fields = (tbl),                    \
		.nfields = NFIELDS(tbl)                                                            \
	}

static const struct field provider_fields[] = {
    FIELD(struct lab_provider, kind, FT_ENUM, .choices = provider_kind_names, .defval = "netns",
          .doc = "How hosts are made: network namespaces on this machine, libvirt domains, or "
                 "hosts that already exist (reached over SSH)."),
    FIELD(struct lab_provider, subnet, FT_SUBNET, .defval = "10.213.0.0/24",
          .doc = "The lab network. It must be a private range; for netns it exists only inside "
                 "the lab's namespaces and is routed `unreachable` on the machine itself."),
    FIELD(struct lab_provider, state_dir, FT_STRING, .defval = "/var/lib/pgdrill",
          .doc = "Where pgdrill keeps each lab's state file, host directories and logs."),
    FIELD(struct lab_provider, uri, FT_STRING,
          .doc = "libvirt: connection URI, e.g. `lxc:///system` or `qemu+ssh://host/system`."),
    FIELD(struct lab_provider, image, FT_STRING,
          .doc = "libvirt qemu: base disk image that each host gets a copy-on-write overlay of."),
    FIELD(struct lab_provider, ssh_user, FT_STRING, .defval = "root",
          .doc = "libvirt and existing: the SSH user pgdrill logs in as."),
    FIELD(struct lab_provider, ssh_key, FT_STRING,
          .doc = "libvirt and existing: private key file for SSH (host keys are verified)."),
    FIELD(struct lab_provider, network_namespace, FT_STRING,
          .doc = "existing: reach the hosts (SSH, PostgreSQL, haproxy) from inside this "
                 "network namespace (`ip netns` name) instead of the machine's own network."),
};

const struct schema lab_provider_schema =
    SCHEMA("provider", struct lab_provider, provider_fields,
           "Where the hosts of the lab live and how pgdrill reaches them.");

static const struct field ssh_fields[] = {
    FIELD(struct lab_ssh, host, FT_STRING,
          .doc = "Address or DNS name to connect to. Left out: the host's `address`."),
    FIELD(struct lab_ssh, port, FT_INT, .defval = "22", .min = 1, .max = 65535,
          .doc = "SSH port."),
    FIELD(struct lab_ssh, user, FT_STRING,
          .doc = "Login user. Left out: `provider.ssh_user`."),
    FIELD(struct lab_ssh, key, FT_STRING,
          .doc = "Private key file (absolute path). Left out: `provider.ssh_key`, else the "
                 "keys of ssh-agent (`SSH_AUTH_SOCK`)."),
    FIELD(struct lab_ssh, become, FT_ENUM, .choices = ssh_become_names, .defval = "sudo",
          .doc = "How a login user other than root acts as root, postgres or barman: `sudo` "
                 "(`sudo -n`: it must not ask for a password) or `none`."),
    FIELD(struct lab_ssh, known_host_key, FT_STRING,
          .doc = "The host key's fingerprint (`SHA256:...`, as `ssh-keygen -lf` prints it). "
                 "Given: the first contact must offer exactly this key. Left out: the first "
                 "contact needs `--accept-new-host-keys`."),
    FIELD(struct lab_ssh, password_env, FT_STRING,
          .doc = "Name of an environment variable holding the login password (passwords "
                 "never go in the lab file)."),
};

const struct schema lab_ssh_schema =
    SCHEMA("ssh", struct lab_ssh, ssh_fields,
           "existing: how pgdrill reaches one host over SSH. Every host key is verified "
           "against the lab's own known_hosts file.");

static const struct field paths_fields[] = {
    FIELD(struct lab_paths, data, FT_STRING,
          .doc = "The data directory (`SHOW data_directory` must agree). Left out: "
                 "`ROOT/data`."),
    FIELD(struct lab_paths, config, FT_STRING,
          .doc = "postgresql.conf. Left out: what `SHOW config_file` says."),
    FIELD(struct lab_paths, hba, FT_STRING,
          .doc = "pg_hba.conf. Left out: what `SHOW hba_file` says."),
    FIELD(struct lab_paths, repmgr_conf, FT_STRING,
          .doc = "repmgr.conf. Left out: `ROOT/conf/repmgr.conf`."),
    FIELD(struct lab_paths, pgpass, FT_STRING,
          .doc = "The postgres user's password file, for repmgr and pg_rewind; on the barman "
                 "host, the barman user's, for its connections to the primary. Left out: "
                 "`ROOT/conf/pgpass`."),
    FIELD(struct lab_paths, barman_conf, FT_STRING,
          .doc = "The barman host: barman's configuration file (`barman -c`), which names the "
                 "lab's server (`barman.server_name`). Left out: `ROOT/conf/barman.conf`."),
    FIELD(struct lab_paths, haproxy_socket, FT_STRING,
          .doc = "The proxy host: haproxy's stats socket (`stats socket PATH level admin` in "
                 "its configuration): pgdrill reads where haproxy routes, and the haproxy "
                 "faults set servers down there. Left out: `ROOT/run/haproxy.sock`."),
    FIELD(struct lab_paths, haproxy_conf, FT_STRING,
          .doc = "The proxy host: the configuration haproxy runs with (`haproxy -f PATH`). "
                 "pgdrill never writes it: it names haproxy's processes, and a heal that "
                 "finds none says how to start it instead of starting one of its own. Left "
                 "out: haproxy's processes are those under `root`."),
    FIELD(struct lab_paths, server_log, FT_STRING,
          .doc = "A node: the log its PostgreSQL server writes, e.g. Debian's "
                 "`/var/log/postgresql/postgresql-15-main.log`. The evidence of some faults "
                 "is what the server logged (a full disk: 'No space left on device'). Left "
                 "out: what `pg_current_logfile()` says when the logging collector runs; "
                 "otherwise only the log of a server pgdrill starts itself "
                 "(`LAB_DIR/logs/HOST/postgres.log`)."),
    FIELD(struct lab_paths, bin, FT_STRING,
          .doc = "PostgreSQL's programs, first in the PATH of every command. Left out: "
                 "`/usr/lib/postgresql/15/bin`."),
};

const struct schema lab_paths_schema =
    SCHEMA("paths", struct lab_paths, paths_fields,
           "existing: where a node keeps its files when not as pgdrill lays them out under "
           "`root`, e.g. Debian's `/var/lib/postgresql/15/main` and `/etc/postgresql/15/main`. "
           "Absolute paths; declared beats discovered beats pgdrill's own layout.");

static const struct field service_fields[] = {
    FIELD(struct lab_service, start, FT_STRING,
          .doc = "Shell command, run as root, that starts the node's PostgreSQL, e.g. "
                 "`pg_ctlcluster 15 main start`. Left out: pgdrill starts `postgres -D` "
                 "itself."),
    FIELD(struct lab_service, stop, FT_STRING,
          .doc = "Shell command, run as root, that stops it (a fast shutdown), e.g. "
                 "`pg_ctlcluster 15 main stop -m fast`. Left out: `pg_ctl stop -m fast`."),
};

const struct schema lab_service_schema =
    SCHEMA("service", struct lab_service, service_fields,
           "existing: how the node's own PostgreSQL service is started and stopped by the "
           "heals and the faults that restart it.");

static const struct field host_fields[] = {
    FIELD(struct lab_host, name, FT_STRING, .flags = FIELD_REQUIRED,
          .doc = "Host name: lower-case letters, digits and `-`, at most 32 characters."),
    FIELD(struct lab_host, role, FT_ENUM, .choices = host_role_names, .flags = FIELD_REQUIRED,
          .doc = "Exactly one `primary`; `standby` nodes are cloned from it; at most one each of "
                 "`proxy` (haproxy), `barman` and `witness` (repmgr witness); `spare` hosts run "
                 "nothing until a drill restores a backup into one."),
    FIELD(struct lab_host, address, FT_ADDRESS,
          .doc = "Address inside `provider.subnet`. Left out: assigned in host order from the "
                 "subnet's .11 upwards."),
    FIELD(struct lab_host, disk, FT_SIZE, .defval = "512MB",
          .doc = "Size of the host's own disk (data directory, WAL, backups). A PostgreSQL "
                 "node's WAL alone may take 160 MB: below 320MB, a long run of drills can fill "
                 "it (a warning says so)."),
    FIELD(struct lab_host, priority, FT_INT, .defval = "100", .min = 0, .max = 1000,
          .doc = "repmgr promotion priority; 0 means never promoted."),
    FIELD(struct lab_host, location, FT_STRING, .text = TEXT_IDENT, .defval = "default",
          .doc = "repmgr location: nodes only fail over within their location."),
    FIELD(struct lab_host, uri, FT_STRING,
          .doc = "libvirt: per-host connection URI, so that a lab can span hypervisors."),
    FIELD(struct lab_host, settings, FT_MAP,
          .doc = "PostgreSQL settings for this host only, on top of `postgres.settings`."),
    FIELD(struct lab_host, ssh, FT_RECORD, .sub = &lab_ssh_schema,
          .doc = "existing: how to reach the host. See `ssh` below."),
    FIELD(struct lab_host, root, FT_STRING,
          .doc = "existing: the directory on the host that holds the node the way pgdrill "
                 "lays it out (`data/`, `conf/repmgr.conf`, `conf/pgpass`, `run/` for "
                 "sockets), e.g. a host of a lab pgdrill built. Left out: "
                 "`/var/lib/pgdrill-remote/LAB`."),
    FIELD(struct lab_host, paths, FT_RECORD, .sub = &lab_paths_schema,
          .doc = "existing: where the node's files are when not under `root`. See `paths` "
                 "below."),
    FIELD(struct lab_host, service, FT_RECORD, .sub = &lab_service_schema,
          .doc = "existing: the node's own start and stop commands. See `service` below."),
    FIELD(struct lab_host, allow_faults, FT_STRING,
          .doc = "existing: the faults drills may inject on this host, comma-separated "
                 "(`kill, pause, fill_disk`), `all` or `none`. Left out: `all` when the lab's "
                 "`environment` is `test`, otherwise `none`."),
    FIELD(struct lab_host, barman_ssh, FT_STRING,
          .doc = "existing, a spare host other than barman's: the command with which the "
                 "barman host reaches this host as its postgres user, e.g. `ssh "
                 "postgres@spare1` (`barman recover --remote-ssh-command`). A restore into "
                 "the spare goes through it; without it, such a restore is refused."),
};

const struct schema lab_host_schema =
    SCHEMA("host", struct lab_host, host_fields, "One entry of `hosts`: a machine of the lab.");

static const struct field hba_fields[] = {
    FIELD(struct lab_hba_rule, type, FT_ENUM, .choices = hba_type_names, .defval = "host",
          .doc = "Connection type, as in pg_hba.conf."),
    FIELD(struct lab_hba_rule, database, FT_STRING, .text = TEXT_IDENT, .defval = "all", .doc = "Database name."),
    FIELD(struct lab_hba_rule, user, FT_STRING, .text = TEXT_IDENT, .defval = "all", .doc = "Role name."),
    FIELD(struct lab_hba_rule, address, FT_STRING, .defval = "samenet",
          .doc = "Client address (CIDR, `samenet`, `all`); ignored for `local`."),
    FIELD(struct lab_hba_rule, method, FT_ENUM, .choices = hba_method_names,
          .defval = "scram-sha-256",
          .doc = "Authentication method. `trust` is accepted only for one role, one database "
                 "and one /32 address."),
};

const struct schema lab_hba_rule_schema =
    SCHEMA("hba_rule", struct lab_hba_rule, hba_fields,
           "One extra pg_hba.conf line, placed before pgdrill's own rules (replication, "
           "repmgr, barman, health checks, the workload).");

static const struct field postgres_fields[] = {
    FIELD(struct lab_postgres, version, FT_INT, .defval = "15", .min = 15, .max = 15,
          .doc = "PostgreSQL major version (the Debian 12 packages provide 15)."),
    FIELD(struct lab_postgres, port, FT_INT, .defval = "5432", .min = 1, .max = 65535,
          .doc = "Port every PostgreSQL node listens on."),
    FIELD(struct lab_postgres, synchronous, FT_ENUM, .choices = sync_names, .defval = "off",
          .doc = "Synchronous replication: `off`, `any` (quorum of 1 standby) or `first` "
                 "(priority order)."),
    FIELD(struct lab_postgres, data_checksums, FT_BOOL, .defval = "true",
          .doc = "initdb with data checksums (also lets pg_rewind work)."),
    FIELD(struct lab_postgres, initdb_template, FT_BOOL, .defval = "true",
          .doc = "The primary's data directory is a copy of one initdb kept in "
                 "`STATE_DIR/cache/` per PostgreSQL build (made at the first `up`, ~1 s; "
                 "a copy takes ~0.1 s); `false`: initdb on every `up`."),
    FIELD(struct lab_postgres, settings, FT_MAP,
          .doc = "postgresql.conf settings for every node, e.g. `shared_buffers: 64MB`."),
    FIELD(struct lab_postgres, hba, FT_LIST, .sub = &lab_hba_rule_schema,
          .doc = "Extra pg_hba.conf rules."),
};

const struct schema lab_postgres_schema = SCHEMA("postgres", struct lab_postgres, postgres_fields,
                                                 "PostgreSQL settings shared by every node.");

static const struct field repmgr_fields[] = {
    FIELD(struct lab_repmgr, failover, FT_ENUM, .choices = failover_names, .defval = "automatic",
          .doc = "repmgrd promotes a standby by itself (`automatic`) or "
                 "waits for a person (`manual`)."),
    FIELD(struct lab_repmgr, monitor_interval, FT_DURATION, .defval = "1s",
          .doc = "repmgrd's `monitor_interval_secs` (whole seconds)."),
    FIELD(struct lab_repmgr, reconnect_attempts, FT_INT, .defval = "3", .min = 1, .max = 100,
          .doc = "Attempts to reach a vanished primary before failover."),
    FIELD(struct lab_repmgr, reconnect_interval, FT_DURATION, .defval = "1s",
          .doc = "Pause between those attempts (whole seconds)."),
    FIELD(struct lab_repmgr, connect_timeout, FT_DURATION, .defval = "2s",
          .doc = "`connect_timeout` in every repmgr conninfo."),
    FIELD(struct lab_repmgr, keepalives_idle, FT_DURATION, .defval = "2s",
          .doc = "TCP keepalive idle time in conninfo, so that a silent partition is noticed."),
    FIELD(struct lab_repmgr, tcp_user_timeout, FT_DURATION, .defval = "5s",
          .doc = "`tcp_user_timeout` in conninfo: unacknowledged data fails the link after "
                 "this long."),
    FIELD(struct lab_repmgr, wal_receiver_timeout, FT_DURATION, .defval = "5s",
          .doc = "PostgreSQL `wal_receiver_timeout` on standbys."),
    FIELD(struct lab_repmgr, use_replication_slots, FT_BOOL, .defval = "true",
          .doc = "Standbys stream through replication slots."),
    FIELD(struct lab_repmgr, primary_visibility_consensus, FT_BOOL, .defval = "true",
          .doc = "repmgrd asks the other standbys whether they still see the primary before "
                 "promoting."),
};

const struct schema lab_repmgr_schema =
    SCHEMA("repmgr", struct lab_repmgr, repmgr_fields,
           "repmgr and repmgrd settings for every node. What they cost in a failover, "
           "and why not fewer attempts: "
           "[failover.md](failover.md).");

static const struct field barman_fields[] = {
    FIELD(struct lab_barman, server_name, FT_STRING, .text = TEXT_IDENT, .defval = "pg",
          .doc = "The name barman knows the cluster by."),
    FIELD(struct lab_barman, streaming_archiver, FT_BOOL, .defval = "true",
          .doc = "Archive WAL by streaming (`barman receive-wal`, run by pgdrill)."),
    FIELD(struct lab_barman, slot_name, FT_STRING, .text = TEXT_IDENT, .defval = "barman",
          .doc = "Replication slot barman streams WAL through."),
    FIELD(struct lab_barman, first_backup, FT_BOOL, .defval = "true",
          .doc = "Take a base backup when the lab comes up."),
    FIELD(struct lab_barman, retention_backups, FT_INT, .defval = "3", .min = 1, .max = 1000,
          .doc = "Redundancy retention: how many base backups to keep."),
    FIELD(struct lab_barman, follow_primary, FT_BOOL, .defval = "true",
          .doc = "After a failover, point barman at the new primary (and its slot)."),
};

const struct schema lab_barman_schema =
    SCHEMA("barman", struct lab_barman, barman_fields,
           "Backups by barman (`backup_method = postgres`, no SSH needed).");

static const struct field listener_fields[] = {
    FIELD(struct lab_listener, name, FT_STRING, .flags = FIELD_REQUIRED,
          .doc = "Listener name (letters, digits, `_` and `-`; not `stats`, the stats page's)."),
    FIELD(struct lab_listener, port, FT_INT, .flags = FIELD_REQUIRED, .min = 1, .max = 65535,
          .doc = "Port haproxy listens on."),
    FIELD(struct lab_listener, target, FT_ENUM, .choices = listener_target_names,
          .defval = "primary", .doc = "Which nodes the listener should reach."),
    FIELD(struct lab_listener, check, FT_ENUM, .choices = check_style_names, .defval = "tcp-check",
          .doc = "Health check: `pgsql-check` (liveness only: routes writes to standbys too, "
                 "kept as a known-bad style), `tcp-check` (asks `pg_is_in_recovery()` over the "
                 "PostgreSQL protocol) or `http-agent` (asks `pgdrill agent` on the node, which "
                 "also fences: a primary whose peer is a primary on a newer timeline is "
                 "not one)."),
    FIELD(struct lab_listener, check_interval, FT_DURATION, .defval = "1s",
          .doc = "Time between two checks of one server."),
    FIELD(struct lab_listener, fall, FT_INT, .defval = "2", .min = 1, .max = 100,
          .doc = "Failed checks before a server is marked down."),
    FIELD(struct lab_listener, rise, FT_INT, .defval = "1", .min = 1, .max = 100,
          .doc = "Passed checks before a server is marked up."),
};

const struct schema lab_listener_schema =
    SCHEMA("listener", struct lab_listener, listener_fields,
           "One haproxy frontend with its backend of every PostgreSQL node.");

static const struct field haproxy_fields[] = {
    FIELD(struct lab_haproxy, stats_port, FT_INT, .defval = "7000", .min = 1, .max = 65535,
          .doc = "Port of haproxy's HTTP stats page (inside the lab)."),
    FIELD(struct lab_haproxy, agent_port, FT_INT, .defval = "8008", .min = 1, .max = 65535,
          .doc = "Port `pgdrill agent` listens on, on every PostgreSQL node."),
    FIELD(struct lab_haproxy, connect_timeout, FT_DURATION, .defval = "1s",
          .doc = "haproxy `timeout connect`."),
    FIELD(struct lab_haproxy, client_timeout, FT_DURATION, .defval = "30min",
          .doc = "haproxy `timeout client` and `timeout server`."),
    FIELD(struct lab_haproxy, listeners, FT_LIST, .sub = &lab_listener_schema,
          .doc = "Frontends. Left out: `write_tcp` 5000 (tcp-check), `write_agent` 5001 "
                 "(http-agent), `write_pgsql` 5002 (pgsql-check), `read` 5010 (replicas)."),
};

const struct schema lab_haproxy_schema =
    SCHEMA("haproxy", struct lab_haproxy, haproxy_fields, "haproxy in front of the cluster.");

static const struct field credentials_fields[] = {
    FIELD(struct lab_credentials, superuser_password, FT_STRING, .flags = FIELD_SECRET,
          .doc = "Password of `postgres`. Left out: generated when the lab comes up."),
    FIELD(struct lab_credentials, repmgr_password, FT_STRING, .flags = FIELD_SECRET,
          .doc = "Password of the `repmgr` role. Left out: generated."),
    FIELD(struct lab_credentials, barman_password, FT_STRING, .flags = FIELD_SECRET,
          .doc = "Password of the `barman` and `streaming_barman` roles. Left out: generated."),
    FIELD(struct lab_credentials, app_user, FT_STRING, .text = TEXT_IDENT, .defval = "books",
          .doc = "Role the workload connects as."),
    FIELD(struct lab_credentials, app_password, FT_STRING, .flags = FIELD_SECRET,
          .doc = "Its password. Left out: generated."),
    FIELD(struct lab_credentials, app_database, FT_STRING, .text = TEXT_IDENT, .defval = "books",
          .doc = "Database the workload uses."),
    FIELD(struct lab_credentials, healthcheck_user, FT_STRING, .text = TEXT_IDENT, .defval = "haproxy_check",
          .doc = "Unprivileged role haproxy's checks log in as, without password, from the "
                 "proxy's address only."),
};

const struct schema lab_credentials_schema =
    SCHEMA("credentials", struct lab_credentials, credentials_fields,
           "Roles and passwords. Passwords are stored 0600 in the lab's state directory.");

static const struct field workload_fields[] = {
    FIELD(struct lab_workload, kind, FT_STRING, .text = TEXT_IDENT, .defval = "books",
          .doc = "Workload model: `books` (INSERT with client-generated ids, reads by id)."),
    FIELD(struct lab_workload, clients, FT_INT, .defval = "4", .min = 1, .max = 256,
          .doc = "Writer threads, each with its own connection through the write listener."),
    FIELD(struct lab_workload, readers, FT_INT, .defval = "1", .min = 0, .max = 256,
          .doc = "Reader threads through the read listener (none when the lab has no read "
                 "listener); together they read at a quarter of `rate`."),
    FIELD(struct lab_workload, rate, FT_INT, .defval = "200", .min = 0, .max = 1000000,
          .doc = "Target writes per second over all writers; 0 means as fast as possible."),
    FIELD(struct lab_workload, reconnect_backoff, FT_DURATION, .defval = "5ms",
          .doc = "Least pause before a client reconnects after a failed connect. Clients keep "
                 "their staggered schedule, at twice its pace while failing, so together they "
                 "probe every 1/(2 `rate`) s during an outage."),
    FIELD(struct lab_workload, statement_timeout, FT_DURATION, .defval = "2s",
          .doc = "A write without an answer after this long counts as indeterminate."),
};

const struct schema lab_workload_schema = SCHEMA("workload", struct lab_workload, workload_fields,
                                                 "Defaults for the client workload drills run.");

static const struct field objectives_fields[] = {
    FIELD(struct lab_objectives, rto, FT_DURATION, .defval = "10s",
          .doc = "Longest client-observed write unavailability a drill accepts."),
    FIELD(struct lab_objectives, rpo, FT_DURATION, .defval = "0",
          .doc = "Acknowledged writes that may be lost, as time; 0 means none."),
    FIELD(struct lab_objectives, max_lag, FT_SIZE, .defval = "16MB",
          .doc = "Largest replication lag accepted after recovery."),
    FIELD(struct lab_objectives, recovery_within, FT_DURATION, .defval = "30s",
          .doc = "Deadline for the cluster to be healthy again after a fault."),
    FIELD(struct lab_objectives, backup_age, FT_DURATION, .defval = "1d",
          .doc = "Oldest barman's newest backup may be: check.backups' default max_age and "
                 "the audit's backup-age rule. A restore replays all WAL since the backup."),
};

const struct schema lab_objectives_schema =
    SCHEMA("objectives", struct lab_objectives, objectives_fields,
           "What a drill must achieve; scenarios may tighten them.");

static const struct field accepted_risk_fields[] = {
    FIELD(struct lab_accepted_risk, rule, FT_STRING, .flags = FIELD_REQUIRED,
          .doc = "The audit rule, as `pgdrill audit` names it (e.g. `haproxy-pgsql-check`)."),
    FIELD(struct lab_accepted_risk, where, FT_STRING,
          .doc = "Only findings whose evidence holds this text (e.g. `listen write_pgsql`). "
                 "Left out: every finding of the rule."),
    FIELD(struct lab_accepted_risk, reason, FT_STRING, .flags = FIELD_REQUIRED,
          .doc = "Why the risk is accepted; the audit prints it with the finding."),
};

const struct schema lab_accepted_risk_schema =
    SCHEMA("accepted risk", struct lab_accepted_risk, accepted_risk_fields,
           "A risk the lab's owners accepted: reported as info, with the reason.");

static const struct field audit_fields[] = {
    FIELD(struct lab_audit, accept, FT_LIST, .sub = &lab_accepted_risk_schema,
          .doc = "Accepted risks. One that matches no finding is itself reported (info), so "
                 "a typo does not hide a risk."),
};

const struct schema lab_audit_schema =
    SCHEMA("audit", struct lab_audit, audit_fields, "How `pgdrill audit` judges this lab.");

static const struct field lab_fields[] = {
    FIELD(struct lab, name, FT_STRING, .flags = FIELD_REQUIRED,
          .doc = "Lab name: lower-case letters, digits and `-`, at most 12 characters (it "
                 "prefixes namespace names)."),
    FIELD(struct lab, environment, FT_ENUM, .choices = lab_environment_names,
          .defval = "unspecified",
          .doc = "What the hosts are for. On an `existing` lab a drill may inject faults "
                 "only on hosts of a `test` environment, or those a host's `allow_faults` "
                 "names."),
    FIELD(struct lab, provider, FT_RECORD, .sub = &lab_provider_schema, .doc = "See below."),
    FIELD(struct lab, postgres, FT_RECORD, .sub = &lab_postgres_schema, .doc = "See below."),
    FIELD(struct lab, repmgr, FT_RECORD, .sub = &lab_repmgr_schema, .doc = "See below."),
    FIELD(struct lab, barman, FT_RECORD, .sub = &lab_barman_schema, .doc = "See below."),
    FIELD(struct lab, haproxy, FT_RECORD, .sub = &lab_haproxy_schema, .doc = "See below."),
    FIELD(struct lab, credentials, FT_RECORD, .sub = &lab_credentials_schema, .doc = "See below."),
    FIELD(struct lab, workload, FT_RECORD, .sub = &lab_workload_schema, .doc = "See below."),
    FIELD(struct lab, objectives, FT_RECORD, .sub = &lab_objectives_schema, .doc = "See below."),
    FIELD(struct lab, audit, FT_RECORD, .sub = &lab_audit_schema, .doc = "See below."),
    FIELD(struct lab, hosts, FT_LIST, .sub = &lab_host_schema, .flags = FIELD_REQUIRED,
          .doc = "The machines of the lab."),
};

const struct schema lab_schema =
    SCHEMA("lab", struct lab, lab_fields, "The top level of a lab file.");

const struct lab_host *lab_host_by_role(const struct lab *lab, enum host_role role)
{
	size_t i;

	for (i = 0; i < lab->hosts.count; i++)
		if (LAB_HOST(lab, i)->role == (int)role)
			return LAB_HOST(lab, i);
	return NULL;
}

size_t lab_count_role(const struct lab *lab, enum host_role role)
{
	size_t i, n = 0;

	for (i = 0; i < lab->hosts.count; i++)
		n += LAB_HOST(lab, i)->role == (int)role;
	return n;
}

const struct lab_host *lab_host_by_name(const struct lab *lab, const char *name)
{
	size_t i;

	for (i = 0; i < lab->hosts.count; i++)
		if (LAB_HOST(lab, i)->name && strcmp(LAB_HOST(lab, i)->name, name) == 0)
			return LAB_HOST(lab, i);
	return NULL;
}

const struct lab_listener *lab_listener_by_name(const struct lab *lab, const char *name)
{
	size_t i;

	for (i = 0; i < lab->haproxy.listeners.count; i++)
		if (LAB_LISTENER(lab, i)->name && strcmp(LAB_LISTENER(lab, i)->name, name) == 0)
			return LAB_LISTENER(lab, i);
	return NULL;
}

bool lab_host_is_postgres(const struct lab_host *h)
{
	return h->role == ROLE_PRIMARY || h->role == ROLE_STANDBY || h->role == ROLE_WITNESS;
}

bool lab_host_allows_fault(const struct lab *lab, const struct lab_host *h, const char *fault)
{
	const char *p = h->allow_faults;
	size_t n = strlen(fault);

	if (lab->provider.kind != PROVIDER_EXISTING)
		return true;
	if (!p)
		return lab->environment == ENV_TEST;
	if (strcmp(p, "all") == 0)
		return true;
	/* Validation checked the list's form: names separated by commas and spaces. */
	while (*p) {
		size_t len;

		p += strspn(p, ", ");
		len = strcspn(p, ", ");
		if (len == n && strncmp(p, fault, n) == 0)
			return true;
		p += len;
	}
	return false;
}
