"""The screening fixtures (a day of the 9th edition, a database every thread sees)."""

from fangkong.lab.tests.fixtures import ninth_edition_day, shared_database

__all__ = ["ninth_edition_day", "shared_database"]
