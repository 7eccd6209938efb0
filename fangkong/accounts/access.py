"""Single-object access for accounts."""

from __future__ import annotations

from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.accounts.selectors import token_list, user_list
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.regions.subtree import in_subtree


def access_user(actor: AnyActor, username: str) -> User:
    """A user with a membership in the actor's subtree; otherwise 404 like a missing one."""
    user = user_list(actor=actor).filter(username=username).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


def access_membership(actor: AnyActor, membership_id: int) -> Membership:
    queryset = Membership.objects.select_related("region", "user")
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    membership = queryset.filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such role assignment.", code="membership_not_found")
    return membership


def access_token(actor: AnyActor, token_id: int) -> ApiToken:
    """One of the actor's own live tokens; anyone else's answers 404."""
    token = token_list(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.", code="token_not_found")
    return token
