"""Results out to the health-code service and the provincial platform, in batches (R17)."""
