-- A fill_disk made vacuous on purpose: the ballast leaves far more space than the drill
-- then writes, so no service ever meets a full disk. The drill must fail, saying that the
-- fault had no effect, however its other checks come out.
drill.scenario{ name = "a disk fault that leaves plenty of space" }
drill.steady()
local standby = lab.standbys()[1]
local id = fault.fill_disk(standby, { leave = "48MB" })
local ok = lab.primary():sql("CREATE TABLE IF NOT EXISTS vacuous (x text); "
  .. "INSERT INTO vacuous SELECT md5(g::text) FROM generate_series(1, 1000) g")
check.that("a few rows written", ok ~= nil, "1000 rows")
fault.revert(id)
lab.primary():sql("DROP TABLE vacuous")
