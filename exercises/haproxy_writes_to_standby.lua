-- haproxy sends writes to standbys: change its health check.
--
-- Someone "simplified" haproxy's check of the application's write listener to
-- `option pgsql-check`, which only proves that PostgreSQL answers a login: a standby
-- answers too, so haproxy holds every node UP and round-robins writes across them. The
-- trainee gives the listener a check that tells a primary from a standby (the lab's
-- agent answers GET /primary with 200 only on the primary; a tcp-check asking
-- pg_is_in_recovery() works as well) and restarts haproxy. Taking the standbys out by
-- hand (maintenance mode) hides the symptom until the next failover: not solved.
train.exercise{ name = "writes fail now and then: haproxy's check cannot tell a primary" }

-- Found when the trainee reads haproxy's config or its servers' states.
train.detect{ host = "{proxy}", words = { "HAPROXY_CFG", "haproxy.cfg", "csv", "show stat" } }

train.brief[[
Since this morning's "small cleanup" of the haproxy config, some of the application's
writes through port {port} ({listener}) fail with "cannot execute ... in a read-only
transaction"; retrying often works. The primary is fine and no failover happened.
Make every write through port {port} reach the primary, and keep it so after the next
failover: haproxy itself must tell the primary from the standbys.]]

train.hint(1, "On {proxy}: grep -A12 '^listen {listener}' \"$HAPROXY_CFG\", and compare " ..
  "its check with the other listeners'. curl -s 'http://127.0.0.1:7000/;csv' shows " ..
  "which servers haproxy holds UP.")
train.hint(2, "option pgsql-check only sees that PostgreSQL answers a login, and a " ..
  "standby does. The agent on every node (port {agent_port}) answers GET /primary with " ..
  "200 on the primary only: that is what write_agent checks.")
train.hint(3, "In {listener}, replace the pgsql-check line by 'option httpchk GET /primary' " ..
  "and 'http-check expect status 200', add 'port {agent_port}' to its server lines, check " ..
  "the file (haproxy -c -f \"$HAPROXY_CFG\") and restart haproxy: haproxy -D -f " ..
  "\"$HAPROXY_CFG\" -sf PID-OF-THE-OLD-ONE (ss -ltnp shows it).")

train.solution[[
  pgdrill exec {lab} {proxy} -- sh -c 'grep -A12 "^listen {listener}" "$HAPROXY_CFG"'
  pgdrill exec --user haproxy {lab} {proxy} -- sh -c 'sed -i "/^listen {listener}/,/^\$/{s|^    option pgsql-check.*|    option httpchk GET /primary\n    http-check expect status 200|;s| check\$| check port {agent_port}|}" "$HAPROXY_CFG"'
  pgdrill exec --user haproxy {lab} {proxy} -- sh -c 'haproxy -c -q -f "$HAPROXY_CFG" && haproxy -D -f "$HAPROXY_CFG" -sf $(ss -Hltnp "sport = :{port}" | grep -o "pid=[0-9]*" | cut -d= -f2 | sort -u)'
(-sf lets the old haproxy finish its sessions and exit once the new one listens; a
tcp-check that asks "select pg_is_in_recovery()" and expects 'f' tells them apart too)]]

local kit = require "drillkit"
local LISTENER = "write_tcp"

train.breaks(function()
  local l = lab.listener(LISTENER)
  if not l then error("this exercise needs a write listener named " .. LISTENER) end
  drill.steady()
  train.remember("listener", LISTENER)
  train.remember("port", tostring(l.port))
  train.remember("agent_port", tostring(l.agent_port))
  train.remember("proxy", lab.by_role("proxy")[1].name)
  train.remember("primary", lab.primary().name)
  fault.haproxy_check(LISTENER, "pgsql-check")
end)

-- Each server of the listener as haproxy holds it: the primary UP, every other node
-- DOWN by its check (MAINT is a person's hand, not a check).
local function held()
  local st = check.routing(LISTENER)
  local p = train.recall("primary")
  if st[p] == nil or not st[p]:match("^UP") then
    return false, p .. " is " .. tostring(st[p]) .. " in " .. LISTENER
  end
  for _, h in ipairs(lab.standbys()) do
    local s = st[h.name]
    if s == nil then
      return false, h.name .. " is no server of " .. LISTENER .. ": after a failover " ..
        "writes would have nowhere to go"
    end
    if not s:match("^DOWN") then
      return false, h.name .. " is " .. s .. " in " .. LISTENER ..
        (s:match("MAINT") and " (taken out by hand: the next failover brings writes " ..
          "back to the wrong node)" or "")
    end
  end
  return true, "only " .. p .. " is UP in " .. LISTENER
end

train.goal("haproxy's check holds only the primary UP for writes", held)

train.goal("ten writes in a row through the listener reach the primary", function()
  for i = 1, 10 do
    local ok, said = kit.write_through(LISTENER)
    if not ok then return false, "write " .. i .. ": " .. tostring(said) end
  end
  return true, "10 of 10 committed"
end)

train.goal("the primary is still the primary", function()
  return lab.host(train.recall("primary")):is_primary(), train.recall("primary")
end)
