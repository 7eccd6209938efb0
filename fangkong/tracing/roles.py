"""Who may do what with tracing data.

There is no data-feed role among the twelve (``core/roles.py``): a feed is an administrator's
API token (an administrator at the node the feed covers), and the administrator also loads
files and watches the store. Reading a person's scans is the investigator's work
(epidemiologist) — the data serve epidemic control and nothing else (CAC notice, T23).
"""

from __future__ import annotations

from fangkong.core.roles import Role

#: Roles that ingest scans and dwell intervals, register venues and see the store's page.
INGEST_ROLES = frozenset({Role.ADMINISTRATOR})
#: Roles that read one person's scans (trajectory reconstruction).
TRACE_READ_ROLES = frozenset({Role.EPIDEMIOLOGIST})
#: Roles that see the venue list (no personal data).
VENUE_READ_ROLES = frozenset({Role.ADMINISTRATOR, Role.EPIDEMIOLOGIST, Role.COMMANDER})
