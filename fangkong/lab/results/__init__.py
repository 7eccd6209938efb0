"""Tube results and what follows from them: entered or uploaded results, the pooled-positive chain,
re-test tasks, notifications and late-result alerts."""
