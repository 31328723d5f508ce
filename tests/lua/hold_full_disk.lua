-- A standby's disk filled and held full until the run is stopped: what
-- tests/integration/test_drills.sh signals (SIGTERM, SIGKILL) in the middle of a fault.
-- scenarios/fill_disk.lua reverts its fault within a fraction of a second once the
-- standby stops, too soon for the test to see the ballast reliably.
drill.scenario{ name = "hold a full disk" }

drill.steady()
fault.fill_disk(lab.standbys()[1], { leave = "1MB" })
sleep("60s") -- the test stops the run long before this ends
