"""The REST API under ``/api/v1``: one NinjaAPI, one error envelope, routers from each app.

The one place the routers are registered. It sits on top and imports only downward: the apps'
API modules take the actor from :func:`fangkong.core.guards.actor_of`, never from here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader

from fangkong.accounts.actors import client_ip
from fangkong.accounts.api import router as accounts_router
from fangkong.accounts.tokens import actor_from_token
from fangkong.cases.api import router as cases_router
from fangkong.cases.imports.api import router as case_imports_router
from fangkong.command_center.api import router as command_center_router
from fangkong.community.api import router as community_router
from fangkong.core.errors import FangkongError
from fangkong.isolation.api import router as isolation_router
from fangkong.lab.api import router as lab_router
from fangkong.people.api import households_router
from fangkong.people.api import router as people_router
from fangkong.people.groups.api import router as groups_router
from fangkong.policy.api import router as policy_router
from fangkong.regions.api import router as regions_router
from fangkong.risk_areas.api import router as risk_areas_router
from fangkong.supplies.api import router as supplies_router
from fangkong.tracing.api import router as tracing_router


class ActorAuth(APIKeyHeader):
    """``Authorization: Bearer fk_…`` or a logged-in browser session (with its CSRF token).

    Tokens in the query string are never read. The authenticated value is the
    :class:`~fangkong.core.actor.Actor`, available as ``request.auth``.
    """

    param_name = "Authorization"
    # The session half checks the CSRF token on unsafe methods (below); this flag makes the
    # Swagger UI page carry the token so "Try it out" works from a signed-in browser.
    csrf = True
    openapi_description = "Bearer token: `Authorization: Bearer fk_…`"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value:
                return None
            return actor_from_token(value.strip(), ip=client_ip(request.META))
        actor = getattr(request, "actor", None)
        if actor is None:
            return None
        # A browser session must carry the CSRF token on unsafe methods.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            from django.middleware.csrf import CsrfViewMiddleware

            reason = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                request, lambda r: HttpResponse(), (), {}
            )
            if reason is not None:
                return None
        return actor

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description=(
        "Epidemic prevention and control command platform. Every answer is scoped to the "
        "jurisdiction of the token's membership; records outside it answer 404 exactly like "
        "missing ones. Errors: `{code, message, detail}`."
    ),
    auth=ActorAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _envelope(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(FangkongError)
def _fangkong_error(request: HttpRequest, exc: FangkongError) -> HttpResponse:
    return _envelope(request, exc.status, exc.as_dict())


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        # ``members[0].scanned_at``: the same path the services and the NUL check name.
        field = ""
        for part in error.get("loc", ()):
            if isinstance(part, int):
                field += f"[{part}]"
            elif part not in {"body", "payload", "query"}:
                field += f".{part}" if field else str(part)
        errors.append(
            {"field": field, "code": error.get("type", "invalid"), "message": error.get("msg", "")}
        )
    return _envelope(
        request,
        422,
        {
            "code": "validation_failed",
            "message": "The request is not valid.",
            "detail": {"errors": errors},
        },
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _envelope(
        request,
        401,
        {"code": "unauthenticated", "message": "Authentication required.", "detail": {}},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _envelope(
        request, exc.status_code, {"code": "http_error", "message": str(exc), "detail": {}}
    )


# The screening routes first: Django tries URL patterns in order, and the sampling points' tube
# writes are the busiest requests of the system.
api.add_router("/lab", lab_router)
api.add_router("/regions", regions_router)
api.add_router("/people", people_router)
api.add_router("/households", households_router)
api.add_router("/groups", groups_router)
api.add_router("/accounts", accounts_router)
api.add_router("/rule-sets", policy_router)
api.add_router("/risk-areas", risk_areas_router)
api.add_router("/cases/imports", case_imports_router)
api.add_router("/cases", cases_router)
api.add_router("/tracing", tracing_router)
api.add_router("/isolation", isolation_router)
api.add_router("/command", command_center_router)
api.add_router("/community", community_router)
api.add_router("/supplies", supplies_router)
