"""Spatiotemporal companions of a case (时空伴随者, issue 19 §5, R20): from the dwell intervals
in the store, by ``engine.companions``; stored as contact links of kind ``spatiotemporal``
that feed lead lists and never change anybody's status."""
