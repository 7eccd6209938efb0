"""Screening pages, one module per sub-domain: ``sampling`` (sampling point: bind, offline,
packages), ``labwork`` (lab: receive, report, upload), ``command`` (rounds, coverage, command
view, a person's tests), ``people`` (key groups, arrivals, antigen results, alerts)."""
