"""Every write to cases: ``cases`` (opening, classification, clinical facts) and
``investigation`` (timers, trajectory, exposures, alerts)."""
