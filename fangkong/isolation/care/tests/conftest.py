"""Isolation tests run on a day of the 9th edition (15 July 2022), when close contacts went to
central quarantine for 7 days and home health monitoring for 3; threads share one database."""

from fangkong.lab.tests.fixtures import ninth_edition_day, shared_database

__all__ = ["ninth_edition_day", "shared_database"]
