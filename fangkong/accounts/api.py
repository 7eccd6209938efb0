"""User administration endpoints (administrators, inside their own subtree) and ``/me``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.accounts import services
from fangkong.accounts.access import access_membership, access_user
from fangkong.accounts.choices import Role
from fangkong.accounts.models import Membership, User
from fangkong.accounts.selectors import user_list
from fangkong.accounts.usernames import Username
from fangkong.core.actor import Actor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, PageOut, page_fields
from fangkong.regions.access import access_region

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    id: int
    role: str
    region_code: str
    region_name: str
    is_active: bool

    @staticmethod
    def resolve_region_code(obj: Membership) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Membership) -> str:
        return obj.region.name


class UserOut(Schema):
    username: str
    display_name: str
    is_active: bool
    mfa_enabled: bool
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[Membership]:
        return list(getattr(obj, "scoped_memberships", []))


class UserPageOut(PageOut):
    items: list[UserOut]


class UserFilter(Schema):
    search: str = Field("", max_length=100)
    role: str = Field("", max_length=40)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class UserIn(Schema):
    username: Username
    display_name: str = Field("", max_length=100)
    password: str = Field(min_length=1, max_length=1024)
    region_code: str = Field(min_length=1, max_length=15)
    role: Role


class GrantIn(Schema):
    region_code: str = Field(min_length=1, max_length=15)
    role: Role


class AccountReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class MeOut(Schema):
    username: str
    role: str
    region_code: str


def _admin(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied("Only administrators manage users.", code="role_not_allowed")
    return actor


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    return MeOut(username=actor.username, role=actor.role, region_code=actor.region_code)


@router.get("/users", response={200: UserPageOut, **ERRORS}, summary="List users")
def users_list(request: HttpRequest, filters: Query[UserFilter]) -> UserPageOut:
    actor = _admin(request)
    page = paginate(
        user_list(actor=actor, search=filters.search.strip(), role=filters.role),
        page=filters.page,
        page_size=filters.page_size,
    )
    return UserPageOut(
        items=[UserOut.from_orm(u) for u in page.items],
        **page_fields(page),
    )


@router.post("/users", response={201: UserOut, **ERRORS}, summary="Create a user")
def users_create(request: HttpRequest, payload: UserIn) -> Status[User]:
    actor = _admin(request)
    region = access_region(actor, payload.region_code)
    user = services.user_create(
        actor=actor,
        username=payload.username,
        display_name=payload.display_name,
        password=payload.password,
        region=region,
        role=payload.role,
    )
    return Status(201, access_user(actor, user.username))


@router.post(
    "/users/{path:username}/grant", response={200: UserOut, **ERRORS}, summary="Grant a role"
)
def users_grant(request: HttpRequest, username: str, payload: GrantIn) -> User:
    actor = _admin(request)
    user = access_user(actor, username)
    services.membership_grant(
        actor=actor, user=user, region=access_region(actor, payload.region_code), role=payload.role
    )
    return access_user(actor, username)


@router.post(
    "/users/{path:username}/memberships/{membership_id}/revoke",
    response={200: UserOut, **ERRORS},
    summary="Revoke a role",
)
def users_revoke(
    request: HttpRequest, username: str, membership_id: int, payload: AccountReasonIn
) -> User:
    actor = _admin(request)
    user = access_user(actor, username)
    membership = access_membership(actor, membership_id)
    if membership.user_id != user.pk:
        raise NotFound("No such role assignment.", code="membership_not_found")
    services.membership_revoke(actor=actor, membership=membership, reason=payload.reason)
    return access_user(actor, username)


@router.post(
    "/users/{path:username}/deactivate",
    response={200: UserOut, **ERRORS},
    summary="Deactivate a user",
)
def users_deactivate(request: HttpRequest, username: str, payload: AccountReasonIn) -> User:
    actor = _admin(request)
    services.user_deactivate(actor=actor, user=access_user(actor, username), reason=payload.reason)
    return access_user(actor, username)


# Last: a user name may hold ``/`` (accounts from before the rule), so this route would take
# ``<name>/deactivate`` for a name if it came before the routes that end in a verb.
@router.get("/users/{path:username}", response={200: UserOut, **ERRORS}, summary="Get a user")
def users_get(request: HttpRequest, username: str) -> User:
    return access_user(_admin(request), username)
