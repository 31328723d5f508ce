-- One fault of every kind that leaves something behind, then a long wait: the test kills
-- pgdrill with SIGKILL while they are all applied. None touches the primary, so the lab
-- stays one cluster; each is visible from outside (a process state, a file, a table, a
-- link, a listening server).
drill.scenario{ name = "faults left applied" }
drill.steady()
local p2, p3 = lab.host("postgres2"), lab.host("postgres3")
fault.barman_restore()
fault.fill_disk(p2, { leave = "4MB" })
fault.break_hba(p2, "reject")
fault.partition(lab.host("haproxy"), "in", { p3 })
fault.link_down(lab.host("barman"))
fault.delay(lab.host("haproxy"), "20ms")
fault.pause(p3, "postgres")
drill.event("ALL FAULTS APPLIED")
drill.sleep("10m")
