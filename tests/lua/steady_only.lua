-- Nothing but the steady state: a run that only shows the lab is healthy.
drill.scenario{ name = "steady state only" }
drill.steady()
check.healthy{ within = "30s" }
