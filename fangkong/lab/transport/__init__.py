"""Packages (封包), hand-over to transport, receipt at the lab with anomaly checks, and the lab
technician's workbench."""
