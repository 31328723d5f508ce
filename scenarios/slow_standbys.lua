-- Slow standbys.
--
-- What happens: every packet the standbys send is held 50 ms (pgdrill's delayer inside
-- each standby: this kernel has no netem), so the primary hears their acknowledgements
-- 50 ms late. Nothing breaks; everything that waits on a standby slows down.
-- Objectives: with synchronous replication each commit waits for a standby's answer and
-- takes at least the delay longer; without it, commits do not slow down (the standbys lag
-- instead); either way no failover, and the lab is healthy once the delay goes.
-- What a DBA learns: synchronous replication puts the network between the standbys and
-- the primary into every commit: a WAN link's round trip is the floor of commit latency.
local kit = require "drillkit"
local s = drill.scenario{ name = "slow standbys" }
local DELAY_MS = 50

drill.steady()
local primary = lab.primary()
local sync = primary:sql("SHOW synchronous_standby_names")[1].synchronous_standby_names ~= ""
-- The mean time of one commit, measured by the server itself over n commits of one row
-- each (a procedure that commits after every row): neither the connection nor the
-- harness is in the figure, and only what the standbys send is delayed.
primary:sql("CREATE TABLE IF NOT EXISTS drill_commits (id bigserial PRIMARY KEY, at timestamptz)")
primary:sql([[
CREATE OR REPLACE PROCEDURE drill_commit_ms(n int, INOUT ms float8 DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..n LOOP
    INSERT INTO drill_commits (at) VALUES (now());
    COMMIT;
  END LOOP;
  ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / n;
END $$]])
local function commit_ms(n)
  local rows, err = primary:sql("CALL drill_commit_ms(" .. n .. ")")
  if not rows then error("commits on " .. primary.name .. " failed: " .. tostring(err)) end
  return tonumber(rows[1].ms)
end

local before = commit_ms(20)
local ids = { fault.delay(lab.standbys(), DELAY_MS .. "ms") }
local during = commit_ms(20)
local figure = string.format("commit %.1f ms before, %.1f ms with the standbys' packets "
  .. "held %d ms (%s replication)", before, during, DELAY_MS, sync and "synchronous" or "asynchronous")
if sync then
  check.that("synchronous commits slow down by at least the delay",
    during >= before + DELAY_MS * 0.9, figure)
else
  check.that("asynchronous commits do not wait for the slow standbys",
    during < before + DELAY_MS / 2, figure)
end
sleep("3s") -- time for repmgrd to do something rash, if it would
check.that("no failover: " .. primary.name .. " is still the only primary",
  #lab.primaries() == 1 and lab.primary() == primary,
  "primaries: " .. kit.names(lab.primaries()))
for _, id in ipairs(ids) do fault.revert(id) end
primary:sql("DROP PROCEDURE drill_commit_ms; DROP TABLE drill_commits")
check.lag{ within = s.objectives.recovery_within }
check.healthy{ within = s.objectives.recovery_within }
