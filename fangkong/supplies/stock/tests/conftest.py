"""Threads share one database (a WAL file on SQLite; PostgreSQL needs nothing)."""

from fangkong.lab.tests.fixtures import shared_database

__all__ = ["shared_database"]
