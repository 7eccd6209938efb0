"""Bulk load of households, persons, identity documents and special needs from frames.

For registries and the synthetic city: a million persons in seconds instead of hours through
``person_create``. Every stored value is what the people services store for the same input:
names through ``name_clean``/``name_key``/``name_pinyin``/``name_warnings`` (once per distinct
name), phones in canonical form, addresses split as ``parse_address`` splits them, identity
numbers validated, encrypted with ``purpose="id-number"``, blind-indexed with
``people.documents.number_index`` and masked with ``mask_number``; ``flags`` carry the same
warnings. What it does not do is open duplicate reviews one person at a time: identity
numbers already stored (or repeated in the frame) are refused, and same-name-and-birth review
is a batch job over the whole registry.

The per-value work that must run in Python (pinyin, AES-GCM, HMAC) runs in forked worker
processes while the main process validates and writes households and persons; rows go in
through ``core.bulk.table_insert`` (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
inside one transaction with one audit row.

Modules: ``checks`` types and validates the input frames, ``derive`` computes the stored
values (the per-value work in worker processes), ``load`` writes the rows, ``suspend`` sets
the tables' secondary indexes aside around a load in many parts.
"""

from fangkong.people.bulk.load import PeopleLoaded, people_bulk_load
from fangkong.people.bulk.suspend import people_bulk_indexes_suspended

__all__ = ["PeopleLoaded", "people_bulk_indexes_suspended", "people_bulk_load"]
