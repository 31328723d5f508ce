-- Cut the primary off the network.
--
-- What happens: nftables inside the primary's namespace silently drops all its lab
-- traffic (no resets: packets just vanish). repmgrd on the standbys stops hearing from
-- it, agrees the primary is gone, and promotes a standby; haproxy's checks fail for the
-- old primary. The old primary itself does not know: it keeps running as a primary.
-- Objectives: a new primary and writes through haproxy within the RTO; and no split
-- brain: the old primary must not accept writes while another server does.
-- What a DBA learns: repmgr promotes but does not fence. A client that still reaches the
-- old primary (a local application, a connection pool on that host) writes into a
-- timeline that will be thrown away by pg_rewind. This drill reports that as a split
-- brain, with the evidence.
local s = drill.scenario{ name = "partition the primary", objectives = { rto = "30s" } }

drill.steady()
local old = lab.primary()
fault.partition(old, "both")
local new = check.new_primary{ within = s.objectives.rto, ["not"] = old }
check.writes{ listener = "write_tcp", within = s.objectives.rto }

-- The evidence: can the isolated old primary still commit a write (from its own host)?
local rows, err = old:sql(
  "CREATE TABLE IF NOT EXISTS split_brain_probe (at timestamptz DEFAULT now());" ..
  "INSERT INTO split_brain_probe DEFAULT VALUES RETURNING at::text AS at")
local accepted = rows ~= nil and old:is_primary()
local split = accepted and #lab.primaries() > 1
check.that("no split brain: the isolated old primary refuses writes", not split,
  accepted and ("the old primary " .. old.name .. " committed a write while " ..
    (new and new.name or "another server") .. " is primary") or "the old primary refused",
  accepted and "repmgr does not fence the old primary; pg_rewind will discard that write"
    or tostring(err))
