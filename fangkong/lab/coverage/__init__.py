"""Coverage of a round (应检尽检): numbers per node, the not-yet-tested list and its export, the
tallies behind them and the round's command view."""
