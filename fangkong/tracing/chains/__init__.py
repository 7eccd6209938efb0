"""Transmission chains (issue 19 §7): the graph of cases and their confirmed contacts, its
clusters, generations, probable sources and settings, by ``engine.chains``."""
