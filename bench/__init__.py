"""Benchmarks: ``python -m bench <name> [--scale N] [--repeat K]`` (see docs/benchmarks.md)."""
