-- The primary paused, and then a long wait: the test kills pgdrill while it is paused, as
-- in the report that started this (repmgrd promotes a standby; nothing resumes the old
-- primary until the next run reverts the pause and rejoins it).
drill.scenario{ name = "primary paused, pgdrill killed" }
drill.steady()
fault.pause(lab.primary(), "postgres")
drill.event("ALL FAULTS APPLIED")
drill.sleep("10m")
