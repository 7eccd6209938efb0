"""Who is acting: a user through one membership (role at one jurisdiction node).

``core`` knows nothing of the accounts app; ``accounts`` builds an :class:`Actor` from a session
or an API token and hands it to every selector, access function and service.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The acting user, their current role and the root of the subtree they may see."""

    user_id: int
    username: str
    role: str
    membership_id: int
    region_id: int
    region_path: str
    region_code: str
    roles_here: frozenset[str] = field(default_factory=frozenset)
    ip: str = ""

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


@dataclass(frozen=True)
class SystemActor:
    """The product itself acting (migrations, periodic jobs, the synthetic city)."""

    username: str = "system"
    role: str = "system"
    user_id: int = 0
    membership_id: int = 0
    region_id: int = 0
    region_path: str = ""
    region_code: str = ""
    ip: str = ""


AnyActor = Actor | SystemActor

SYSTEM = SystemActor()
