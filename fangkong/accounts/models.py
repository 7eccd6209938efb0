"""Users, their memberships (role × jurisdiction node), API tokens and login attempts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from fangkong.accounts.choices import Role
from fangkong.core.models import TimestampedModel


class User(AbstractUser):
    """A personal staff account (never shared).

    ``session_epoch`` is copied into each session at login; bumping it (deactivation, a role or
    jurisdiction change) ends every session of the user on their next request. ``mfa_secret`` is
    the TOTP secret, encrypted; ``mfa_confirmed_at`` is set once a first code was accepted;
    ``mfa_last_step`` is the TOTP time step of the last code accepted, so no code is taken twice.
    """

    display_name = models.CharField(max_length=100, blank=True, default="")
    session_epoch = models.PositiveIntegerField(default=1)
    mfa_secret = models.CharField(max_length=255, blank=True, default="")
    mfa_confirmed_at = models.DateTimeField(null=True, blank=True)
    mfa_last_step = models.PositiveBigIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def mfa_enabled(self) -> bool:
        return bool(self.mfa_secret) and self.mfa_confirmed_at is not None


class Membership(TimestampedModel):
    """A role a user holds at one jurisdiction node; it covers that node's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"], name="membership_user_region_role_unique"
            )
        ]
        ordering = ["user_id", "id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.region_id}"


class ApiToken(TimestampedModel):
    """A bearer token scoped to one membership. Only its SHA-256 is stored; the clear text is
    shown once at creation. Revoked at once when the user or membership changes."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginAttempt(models.Model):
    """A failed login, keyed by a hash of the username (so unknown names are counted the same
    way as real ones and the table reveals no account names)."""

    username_hash = models.CharField(max_length=64)
    ip = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(db_index=True)

    class Meta:
        # the per-name and the per-address counts of the throttle each read one window
        indexes = [models.Index(fields=["username_hash", "at"]), models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username_hash[:8]} @ {self.at}"
