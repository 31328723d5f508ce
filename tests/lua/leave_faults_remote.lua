-- Faults of every kind an existing host allows left applied (link_down cuts the host off
-- from pgdrill's SSH, so it is refused there): the test kills pgdrill once they are, and
-- `pgdrill down` reverts them over SSH from the state file alone.
drill.scenario{ name = "faults left applied on existing hosts" }
drill.steady()
local p2, p3 = lab.host("postgres2"), lab.host("postgres3")
fault.fill_disk(p2, { leave = "4MB" })
fault.break_hba(p2, "reject")
fault.partition(lab.host("haproxy"), "in", { p3 })
fault.pause(p3, "postgres")
fault.delay({ p2 }, "20ms")
drill.event("ALL FAULTS APPLIED")
drill.sleep("10m")
