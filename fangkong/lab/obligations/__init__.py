"""Person-level testing obligations outside a round: key groups on a schedule (R15), arrivals owed
a landing test (落地检) and antigen results (R16)."""
