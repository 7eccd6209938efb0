"""Builders for users, memberships, actors and API tokens in tests."""

from __future__ import annotations

import itertools

import pyotp
from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.choices import MFA_REQUIRED_ROLES
from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.accounts.services import MFA_PURPOSE
from fangkong.accounts.tokens import token_generate, token_hash
from fangkong.core.actor import Actor
from fangkong.core.crypto import encrypt
from fangkong.regions.models import Region

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def user_make(*, username: str | None = None, password: str = PASSWORD, **fields: object) -> User:
    user = User(username=username or f"user{next(_counter)}", **fields)
    user.set_password(password)
    user.save()
    return user


def membership_make(*, role: str, region: Region, user: User | None = None) -> Membership:
    return Membership.objects.create(user=user or user_make(), region=region, role=role)


def mfa_enrol(user: User) -> str:
    """Give the user a confirmed TOTP secret (as if they had enrolled); returns the secret."""
    secret = pyotp.random_base32()
    user.mfa_secret = encrypt(secret, purpose=MFA_PURPOSE)
    user.mfa_confirmed_at = timezone.now()
    user.save(update_fields=["mfa_secret", "mfa_confirmed_at"])
    return secret


def actor_make(*, role: str, region: Region, user: User | None = None, mfa: bool = True) -> Actor:
    """A user with one membership, returned as the actor services and selectors take.

    Users whose role requires MFA are enrolled unless ``mfa=False``."""
    user = user or user_make()
    if mfa and role in MFA_REQUIRED_ROLES and not user.mfa_enabled:
        mfa_enrol(user)
    membership = membership_make(role=role, region=region, user=user)
    return actor_from_membership(
        Membership.objects.select_related("user", "region").get(pk=membership.pk)
    )


def token_make(actor: Actor) -> str:
    """A bearer token for the actor's membership; returns the clear text."""
    clear = token_generate()
    ApiToken.objects.create(
        membership_id=actor.membership_id,
        name="test",
        prefix=clear[:10],
        token_hash=token_hash(clear),
    )
    return clear
