"""Contact candidates of a case (issue 19 §4): co-presence at the case's venues inside the rule
set's window, household members, secondary contacts where the rules have them; confirmed or
dismissed in bulk by an epidemiologist."""
