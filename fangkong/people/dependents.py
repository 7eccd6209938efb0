"""What other apps build on ``people``'s tables underneath its code, declared here so that
whoever changes a ``people`` table sees who depends on it.

Two kinds, each one entry per dependent, each with its reason:

* :data:`PERSON_TRIGGERS` — triggers another app installs on ``people_person``. They run
  inside every write of a person, whatever path makes it (services, imports, ``COPY``): a
  rename of the watched column, a bulk path that sets triggers aside, or a move written
  around ``region_id`` breaks the dependent silently.
* :data:`RAW_SQL_READERS` — modules of other apps whose SQL names a ``people`` table (joins
  kept in SQL because one statement must see the binding and the person together).

Lookups another app needs go through ``people``'s public functions (``holders``,
``selectors``, ``presentation``), not SQL. ``people/tests/test_dependents.py`` compares both
lists with the database and the source: an undeclared trigger or reader fails, and so does an
entry that no longer occurs, so the lists only say what is true. Do not add new ones without
a reason a reviewer accepts.
"""

from __future__ import annotations

#: Trigger name → the dependent and why. ``people``'s own (``people_population_*``, the
#: persons per node) are not listed: they live in :mod:`fangkong.people.population`.
PERSON_TRIGGERS: dict[str, str] = {
    "lab_tally_person_move": (
        "lab coverage tallies (fangkong/lab/coverage/tallies.py, migration lab.0010): a "
        "person whose region_id changes moves their 'residing' count in every round they "
        "were sampled in, so coverage per node stays exact without a rescan"
    ),
}

#: Module path → the ``people`` tables its SQL names, and why it is SQL.
RAW_SQL_READERS: dict[str, str] = {
    "fangkong/lab/coverage/tallies.py": (
        "people_person (id, region_id): the tally triggers and the recount join each "
        "binding to its person's node now, in the statement that counts the bindings"
    ),
}
