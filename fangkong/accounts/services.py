"""Every write to accounts: users, memberships, tokens, MFA, login throttling.

Each service takes the acting :class:`Actor`, runs in one transaction and leaves an audit row.
Changing a user's roles or jurisdictions, or deactivating them, bumps ``session_epoch`` (which
ends their sessions on the next request) and revokes their API tokens in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import ApiToken, LoginAttempt, Membership, User
from fangkong.accounts.tokens import token_generate, token_hash, tokens_forget
from fangkong.accounts.usernames import username_clean
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.client_address import throttle_key
from fangkong.core.crypto import decrypt, encrypt
from fangkong.core.errors import FangkongError, PermissionDenied, ValidationFailed, field_error
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

MFA_PURPOSE = "mfa-secret"
logger = logging.getLogger(__name__)


def _ends_sessions(user: User) -> None:
    """Bump the epoch (sessions die on their next request) and revoke every API token.

    This process forgets its token actors now and again at commit (a request that read the
    token before the commit may have kept it meanwhile); other processes within
    ``settings.TOKEN_CACHE_SECONDS``. Queryset updates send no signals, so the forgetting is
    explicit here.
    """
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    ApiToken.objects.filter(membership__user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    tokens_forget()
    transaction.on_commit(tokens_forget)
    user.refresh_from_db(fields=["session_epoch"])


def _require_in_scope(actor: AnyActor, region: Region) -> None:
    if not region_in_scope(actor, region):
        raise PermissionDenied(
            "You can manage roles only inside your own jurisdiction.", code="region_out_of_scope"
        )


def _check_password(password: str, user: User | None, *, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "The password does not meet the rules.",
            errors=[field_error(field, "weak_password", message) for message in exc.messages],
        ) from None


@transaction.atomic
def user_create(
    *,
    actor: AnyActor,
    username: str,
    display_name: str,
    password: str,
    region: Region,
    role: str,
) -> User:
    """Create a personal account with its first membership.

    Raises ``ValidationFailed`` for a user name outside the rule (``username_invalid``, see
    ``accounts.usernames``), a taken one (``username_taken``) or a weak password,
    ``PermissionDenied`` when ``region`` is outside the actor's subtree.
    """
    errors = []
    try:
        username = username_clean(username)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    else:
        if User.objects.filter(username__iexact=username).exists():
            errors.append(field_error("username", "username_taken", "This user name is taken."))
    if role not in Role.values:
        errors.append(field_error("role", "invalid_choice", "Unknown role."))
    if errors:
        raise ValidationFailed("The account cannot be created.", errors=errors)
    _require_in_scope(actor, region)
    user = User(username=username, display_name=display_name.strip()[:100])
    _check_password(password, user)
    user.set_password(password)
    user.save()
    membership = Membership.objects.create(user=user, region=region, role=role)
    audit_record(
        actor=actor,
        action="user_create",
        object_type="user",
        object_id=user.pk,
        fields=["username", "display_name", "password"],
        extra={"membership": membership.pk, "role": role, "region": region.code},
    )
    return user


@transaction.atomic
def membership_grant(*, actor: AnyActor, user: User, region: Region, role: str) -> Membership:
    """Give ``user`` a role at ``region`` (reactivating it if it existed); ends their sessions."""
    _require_in_scope(actor, region)
    if role not in Role.values:
        raise ValidationFailed(
            "Unknown role.", errors=[field_error("role", "invalid_choice", "Unknown role.")]
        )
    membership, created = Membership.objects.get_or_create(user=user, region=region, role=role)
    if not created and not membership.is_active:
        Membership.objects.filter(pk=membership.pk).update(is_active=True, version=F("version") + 1)
    _ends_sessions(user)
    audit_record(
        actor=actor,
        action="membership_grant",
        object_type="membership",
        object_id=membership.pk,
        fields=["role", "region", "is_active"],
        extra={"user": user.pk, "role": role, "region": region.code},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: AnyActor, membership: Membership, reason: str) -> None:
    """Deactivate one membership; ends the user's sessions and tokens at once."""
    _require_in_scope(actor, membership.region)
    Membership.objects.filter(pk=membership.pk).update(is_active=False, version=F("version") + 1)
    tokens_forget()
    _ends_sessions(membership.user)
    audit_record(
        actor=actor,
        action="membership_revoke",
        object_type="membership",
        object_id=membership.pk,
        fields=["is_active"],
        reason=reason,
        extra={"user": membership.user_id},
    )


@transaction.atomic
def user_deactivate(*, actor: AnyActor, user: User, reason: str) -> None:
    """Disable an account: every session and token ends at once. The actor's subtree must hold
    all of the user's memberships (an administrator cannot disable someone above them)."""
    if not reason.strip():
        raise ValidationFailed(
            "Give a reason.", errors=[field_error("reason", "required", "Give a reason.")]
        )
    for membership in user.memberships.select_related("region"):
        _require_in_scope(actor, membership.region)
    if actor.user_id == user.pk:
        raise FangkongError("You cannot deactivate your own account.", code="self_deactivation")
    User.objects.filter(pk=user.pk).update(is_active=False, version=F("version") + 1)
    tokens_forget()
    _ends_sessions(user)
    audit_record(
        actor=actor,
        action="user_deactivate",
        object_type="user",
        object_id=user.pk,
        fields=["is_active"],
        reason=reason,
    )


@transaction.atomic
def user_reactivate(*, actor: AnyActor, user: User, reason: str) -> None:
    for membership in user.memberships.select_related("region"):
        _require_in_scope(actor, membership.region)
    User.objects.filter(pk=user.pk).update(is_active=True, version=F("version") + 1)
    audit_record(
        actor=actor,
        action="user_reactivate",
        object_type="user",
        object_id=user.pk,
        fields=["is_active"],
        reason=reason,
    )


@transaction.atomic
def password_change(*, actor: AnyActor, user: User, old_password: str, new_password: str) -> None:
    """A user changes their own password (administrators cannot set others' passwords)."""
    if not user.check_password(old_password):
        raise ValidationFailed(
            "The current password is wrong.",
            errors=[
                field_error("old_password", "wrong_password", "The current password is wrong.")
            ],
        )
    _check_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _ends_sessions(user)
    audit_record(
        actor=actor,
        action="password_change",
        object_type="user",
        object_id=user.pk,
        fields=["password"],
    )


@transaction.atomic
def token_create(*, actor: AnyActor, membership: Membership, name: str, days: int = 90) -> str:
    """Issue an API token for one of the actor's own memberships; returns the clear text once."""
    if membership.user_id != actor.user_id:
        raise PermissionDenied("Tokens are personal.", code="token_not_own")
    clear = token_generate()
    token = ApiToken.objects.create(
        membership=membership,
        name=name.strip()[:100] or "token",
        prefix=clear[:10],
        token_hash=token_hash(clear),
        expires_at=timezone.now() + timedelta(days=max(1, min(days, 366))),
    )
    audit_record(
        actor=actor,
        action="token_create",
        object_type="api_token",
        object_id=token.pk,
        fields=["name"],
    )
    return clear


@transaction.atomic
def token_revoke(*, actor: AnyActor, token: ApiToken) -> None:
    if token.membership.user_id != actor.user_id:
        raise PermissionDenied("Tokens are personal.", code="token_not_own")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    tokens_forget()
    audit_record(
        actor=actor,
        action="token_revoke",
        object_type="api_token",
        object_id=token.pk,
        fields=["revoked_at"],
    )


# --- login throttling ---------------------------------------------------------------------------


def _username_hash(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _failure_counts(name_hash: str, address: str) -> dict[str, int]:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_COOL_OFF_SECONDS)
    by_name, by_address = Q(username_hash=name_hash), Q(ip=address)
    return LoginAttempt.objects.filter(by_name | by_address, at__gte=since).aggregate(
        name=Count("id", filter=by_name),
        address=Count("id", filter=by_address),
        pair=Count("id", filter=by_name & by_address),
    )


def _limits_reached(counts: dict[str, int], *, known_device: bool) -> list[str]:
    reached = []
    if counts["pair"] >= settings.LOGIN_FAILURES_PER_NAME_AND_ADDRESS:
        reached.append("name_and_address")
    if counts["address"] >= settings.LOGIN_FAILURES_PER_ADDRESS:
        reached.append("address")
    if counts["name"] >= settings.LOGIN_FAILURES_PER_NAME and not known_device:
        reached.append("name")
    return reached


def login_is_throttled(username: str, ip: str, *, known_device: bool = False) -> bool:
    """True while a sign-in as ``username`` from ``ip`` is refused without looking at the
    password (or the MFA code).

    Failures of the last ``LOGIN_COOL_OFF_SECONDS`` are counted three ways:

    1. the name from this address (``LOGIN_FAILURES_PER_NAME_AND_ADDRESS``): a guesser stops
       guessing this account from here;
    2. this address, whatever the names (``LOGIN_FAILURES_PER_ADDRESS``): guesses spread over
       many names;
    3. the name, from every address (``LOGIN_FAILURES_PER_NAME``): guesses at one account
       spread over many addresses. A browser that completed a sign-in to this account
       before (``known_device``: ``accounts.login_devices``) is not held by this count, so
       strangers cannot keep an account's owner out.

    A refused attempt is not counted, so every throttle lifts at most one cool-off after the
    failure that set it, and one address can put no more than (1) failures on a name — which
    the settings require to be below (3): no single address can lock an account for others.
    Addresses are counted by ``core.client_address.throttle_key`` (IPv6 by /64). Names are
    counted by hash, known or not, so the answer reveals nothing about an account's existence.
    """
    counts = _failure_counts(_username_hash(username), throttle_key(ip))
    return bool(_limits_reached(counts, known_device=known_device))


def login_failure_record(username: str, ip: str) -> None:
    """Count a failed password or MFA code; log (hashed name, address key) when it makes a
    throttle start."""
    name_hash, address = _username_hash(username), throttle_key(ip)
    LoginAttempt.objects.create(username_hash=name_hash, ip=address, at=timezone.now())
    reached = _limits_reached(_failure_counts(name_hash, address), known_device=False)
    if reached:
        logger.warning(
            "sign-in throttled for %s s: %s (name %s…, address %s)",
            settings.LOGIN_COOL_OFF_SECONDS,
            ", ".join(reached),
            name_hash[:12],
            address,
        )


# --- MFA ------------------------------------------------------------------------------------------


def mfa_secret_of(user: User) -> str | None:
    return decrypt(user.mfa_secret, purpose=MFA_PURPOSE) if user.mfa_secret else None


@transaction.atomic
def mfa_enrol_start(*, actor: AnyActor, user: User) -> str:
    """Create (or replace an unconfirmed) TOTP secret; returns the provisioning URI."""
    if user.mfa_enabled:
        raise FangkongError("Multi-factor sign-in is already set up.", code="mfa_already_enabled")
    secret = pyotp.random_base32()
    user.mfa_secret = encrypt(secret, purpose=MFA_PURPOSE)
    user.save(update_fields=["mfa_secret"])
    audit_record(
        actor=actor,
        action="mfa_enrol_start",
        object_type="user",
        object_id=user.pk,
        fields=["mfa_secret"],
    )
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Fangkong")


def mfa_provisioning_uri(user: User) -> str:
    secret = mfa_secret_of(user) or ""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Fangkong")


#: Time steps of clock drift accepted either side of now (a step is 30 s).
MFA_DRIFT_STEPS = 1


def mfa_code_accept(user: User, code: str) -> bool:
    """Whether ``code`` is a valid TOTP code of ``user`` not used before; an accepted code is
    used up.

    1. The code is compared with the codes of the current time step and of
       ``MFA_DRIFT_STEPS`` steps either side (a phone's clock may be a little off).
    2. A matching step must be later than the step of the last accepted code
       (``mfa_last_step``): a code seen over a shoulder or replayed by a proxy within its
       validity, or an older code after a newer one, is refused.
    3. The step is recorded with a conditional update, so two requests racing with the same
       code cannot both succeed (in one process or several).

    Writes ``mfa_last_step`` only; a refused code is counted by ``login_failure_record``.
    """
    secret = mfa_secret_of(user)
    cleaned = "".join(ch for ch in code if ch.isdigit())
    if not secret or len(cleaned) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(timezone.now())
    for step in range(now_step - MFA_DRIFT_STEPS, now_step + MFA_DRIFT_STEPS + 1):
        if not hmac.compare_digest(totp.generate_otp(step), cleaned):
            continue
        taken = (
            User.objects.filter(pk=user.pk)
            .filter(Q(mfa_last_step__isnull=True) | Q(mfa_last_step__lt=step))
            .update(mfa_last_step=step)
        )
        if taken:
            user.mfa_last_step = step
            return True
    return False


@transaction.atomic
def mfa_enrol_confirm(*, actor: AnyActor, user: User, code: str) -> None:
    """Confirm enrolment with a first code; from then on every sign-in asks for one."""
    if not mfa_code_accept(user, code):
        raise ValidationFailed(
            "The code is not valid.",
            errors=[field_error("code", "mfa_invalid", "The code is not valid.")],
        )
    user.mfa_confirmed_at = timezone.now()
    user.save(update_fields=["mfa_confirmed_at"])
    audit_record(
        actor=actor,
        action="mfa_enrol_confirm",
        object_type="user",
        object_id=user.pk,
        fields=["mfa_confirmed_at"],
    )
