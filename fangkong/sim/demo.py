"""The data side of ``fangkong demo``: a migrated database, a synthetic city, one account per
role, and a printed sign-in table. Needs no network.

Running it twice reuses the city (it is only built when the database holds no persons) and
resets the demo accounts' password to the current one (``FANGKONG_DEMO_PASSWORD``, or a new
generated one that is printed).
"""

from __future__ import annotations

import os
import secrets
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.choices import Role
from fangkong.accounts.models import Membership, User
from fangkong.accounts.services import membership_grant, user_create, user_reactivate
from fangkong.core.actor import SYSTEM, Actor
from fangkong.core.audit import audit_record
from fangkong.people.models import Person
from fangkong.people.tallies import people_tally_refresh
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.sim import tree
from fangkong.sim.city import city_generate
from fangkong.sim.demo_command import command_picture_prepare
from fangkong.sim.demo_community import community_override, community_run
from fangkong.sim.demo_duty import demo_duty
from fangkong.sim.demo_imports import EarlierReport, demo_cases_import
from fangkong.sim.demo_orders import demo_orders_run, demo_orders_summary
from fangkong.sim.demo_risk_areas import risk_areas_override, risk_areas_run
from fangkong.sim.demo_screening import screening_run, screening_setup
from fangkong.sim.demo_supplies import supplies_run
from fangkong.sim.demo_tracing import demo_investigate
from fangkong.sim.demo_transfers import demo_transfers
from fangkong.sim.demo_treatment import treatment_run
from fangkong.sim.load import city_load

PASSWORD_ENV = "FANGKONG_DEMO_PASSWORD"  # noqa: S105 - the variable's name, not a password
T = TypeVar("T")

#: Where each role works in the demo: the city, its first district, that district's first
#: community, or that community's first grid.
ROLE_PLACES: dict[Role, str] = {
    Role.COMMANDER: "city",
    Role.DUTY_OFFICER: "city",
    Role.SUPPLIES_OFFICER: "city",
    Role.INSPECTOR: "city",
    Role.ADMINISTRATOR: "city",
    Role.EPIDEMIOLOGIST: "district",
    Role.TRANSFER_DISPATCHER: "district",
    Role.LAB_TECHNICIAN: "district",
    Role.ISOLATION_MANAGER: "district",
    Role.CLINICIAN: "district",
    Role.SAMPLER: "community",
    Role.GRID_WORKER: "grid",
}

#: Further demo accounts (user name → role, place): an epidemiologist in the city's second
#: district, the receiving side of the lead lists the first district pushes (issue 19 §6).
EXTRA_ACCOUNTS: dict[str, tuple[Role, str]] = {
    "epidemiologist2": (Role.EPIDEMIOLOGIST, "district_2"),
}


def _account_specs() -> list[tuple[str, Role, str]]:
    """(user name, role, place) of every demo account: one per role, then the extra ones."""
    return [(role.value, role, place) for role, place in ROLE_PLACES.items()] + [
        (name, role, place) for name, (role, place) in EXTRA_ACCOUNTS.items()
    ]


@dataclass(frozen=True)
class DemoAccount:
    """One sign-in of the demo: user name, role and node."""

    username: str
    role: Role
    region: Region
    created: bool


def _say(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


def _timed(out: TextIO, label: str, step: Callable[[], T]) -> T:
    _say(out, f"{label} ...")
    started = time.perf_counter()
    result = step()
    _say(out, f"{label}: done in {time.perf_counter() - started:.1f} s")
    return result


def _database_file() -> Path | None:
    database = settings.DATABASES["default"]
    if not str(database["ENGINE"]).endswith("sqlite3"):
        return None
    return Path(str(database["NAME"]))


def _remove_database(path: Path) -> None:
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_places() -> dict[str, Region]:
    """The nodes the demo accounts sit at (``city``, ``district``, ``community``, ``grid``,
    and ``district_2``, the city's second district; the city's only one if it has one).

    Raises ``ImproperlyConfigured`` when the synthetic city is not in the database."""
    city = Region.objects.filter(code=tree.CITY_CODE).first()
    if city is None:
        raise ImproperlyConfigured(
            "This database holds persons but not the synthetic city; run the demo with --fresh."
        )
    places = {"city": city}
    steps = (
        ("district", "city", RegionLevel.COUNTY),
        ("community", "district", RegionLevel.COMMUNITY),
        ("grid", "community", RegionLevel.GRID),
    )
    for place, parent, level in steps:
        found = (
            Region.objects.filter(in_subtree(places[parent].path), level=level)
            .order_by("path")
            .first()
        )
        if found is None:
            raise ImproperlyConfigured(f"The synthetic city has no {place}.")
        places[place] = found
    districts = Region.objects.filter(in_subtree(city.path), level=RegionLevel.COUNTY)
    places["district_2"] = (
        districts.exclude(pk=places["district"].pk).order_by("path").first() or places["district"]
    )
    return places


@transaction.atomic
def demo_password_reset(*, user: User, password: str) -> None:
    """Give a demo account the current demo password (audited; the value never is).

    The accounts app lets users change only their own password; the demo is the product
    acting on its own accounts, so this sets it directly under the system actor.
    """
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=SYSTEM,
        action="demo_password_reset",
        object_type="user",
        object_id=user.pk,
        fields=["password"],
    )


def _check_password(password: str) -> None:
    """Refuse, before writing anything, a password the accounts' rules would refuse for any
    demo account (length, common passwords, similarity to the user name)."""
    for username, _role, _place in _account_specs():
        try:
            validate_password(password, User(username=username))
        except DjangoValidationError as exc:
            reason = " ".join(str(message) for message in exc.messages)
            raise ImproperlyConfigured(
                f"{PASSWORD_ENV} cannot be used for the account {username}: {reason}"
            ) from exc


def demo_accounts(password: str) -> list[DemoAccount]:
    """Create the missing demo accounts (one per role, user name = role value, and
    ``EXTRA_ACCOUNTS``) and bring the existing ones back to their role, node and the current
    password (the districts' officers on duty included)."""
    places = demo_places()
    accounts: list[DemoAccount] = []
    for username, role, place in _account_specs():
        region = places[place]
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            user_create(
                actor=SYSTEM,
                username=username,
                display_name="",
                password=password,
                region=region,
                role=role.value,
            )
        else:
            if not user.is_active:
                user_reactivate(actor=SYSTEM, user=user, reason="demo account")
            held = Membership.objects.filter(user=user, region=region, role=role, is_active=True)
            if not held.exists():
                membership_grant(actor=SYSTEM, user=user, region=region, role=role.value)
            demo_password_reset(user=user, password=password)
        accounts.append(DemoAccount(username, role, region, created))
    # The districts' officers on duty the command-centre step made (``duty_<code>``,
    # ``sim.demo_duty``) sign in with the current password too.
    for officer in User.objects.filter(username__regex=r"^duty_[0-9]+$", is_active=True):
        demo_password_reset(user=officer, password=password)
    return accounts


def demo_prepare(
    *,
    residents: int,
    seed: int,
    fresh: bool,
    days: int = 10,
    out: TextIO | None = None,
    url: str = "",
) -> None:
    """Prepare the demo database: migrate, build the city once, make the accounts, print.

    1. Make sure the data directory exists; with ``fresh``, delete the SQLite file and its
       ``-wal``/``-shm`` first (refused on PostgreSQL: ``ImproperlyConfigured``).
    2. ``migrate``.
    3. If there are no persons yet, generate a city of ``residents`` from ``seed`` and load it
       through the bulk paths (otherwise the existing city is reused).
    4. One account per role (see ``ROLE_PLACES``), password from ``FANGKONG_DEMO_PASSWORD``
       or generated; existing accounts get it too.
    5. Screening (``sim.demo_screening``): a city override with area screening, a round over
       the demo district, sampling points and a lab staffed by the demo accounts; for a city
       just built, the outbreak runs ``days`` days and part of the district is screened today
       through the sampling and lab services; every simulated day's venue scans and dwell
       intervals go into the tracing store through its ingestion service
       (``sim.demo_tracing``); the demo epidemiologist then investigates the newest cases:
       their venue scans become trajectory visits and their contact candidates are derived.
    6. Print the accounts (user name, role, jurisdiction), the password if generated, and
       ``url`` when given.
    """
    out = out or sys.stdout
    path = _database_file()
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        if path is None:
            raise ImproperlyConfigured(
                "--fresh deletes the SQLite file; it cannot reset PostgreSQL."
            )
        _remove_database(path)
    password = os.environ.get(PASSWORD_ENV, "")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    _check_password(password)

    _timed(
        out,
        "Migrating the database",
        lambda: call_command("migrate", interactive=False, verbosity=0),
    )
    city = None
    loaded = None
    if Person.objects.exists():
        _say(
            out, f"Reusing the city already in the database ({Person.objects.count():,} residents)."
        )
    else:
        city = _timed(
            out,
            f"Generating a city of {residents:,} residents (seed {seed})",
            lambda: city_generate(residents=residents, seed=seed, as_of=timezone.localdate()),
        )
        loaded = _timed(out, "Loading it into the database", lambda: city_load(city, actor=SYSTEM))
    _timed(out, "Counting residents per jurisdiction", people_tally_refresh)
    accounts = _timed(out, "Preparing the demo accounts", lambda: demo_accounts(password))
    places = demo_places()
    setup = _timed(out, "Setting up the screening round", lambda: screening_setup(places))
    risk_areas_override(places["city"])
    community_override(places["city"])
    earlier: tuple[EarlierReport, ...] = ()
    if city is not None and days > 0:
        built = city
        done = _timed(
            out,
            f"Running the outbreak {days} days and screening the district today",
            lambda: screening_run(
                built,
                setup,
                district=places["district"],
                days=days,
                seed=seed,
                person_first_id=loaded.people.person_first_id if loaded else None,
                feed_actor=_feed_actor(),
            ),
        )
        _say(
            out,
            f"Screening: {done.tubes:,} tubes bound, {done.pooled_positive:,} pooled positive "
            f"so far ({done.infected:,} residents currently detectable); {done.retested:,} "
            "single re-tests of pooled-positive members resulted (positives open cases).",
        )
        if done.delayed_package:
            _say(
                out,
                f"Late: package {done.delayed_package} from {done.delayed_point} was handed over "
                f"hours ago and has not reached the lab; {done.delayed_people} people's results "
                "are past the city's target, so the command picture shows the district behind.",
            )
        _say(
            out,
            f"Tracing: {done.scans:,} venue scans and {done.dwells:,} dwell intervals stored "
            f"in {done.tracing_seconds:.1f} s (of the step above).",
        )
        earlier = done.earlier_reports
        for refusal in done.tracing_refused:
            _say(out, f"Tracing batch refused: {refusal}")
        drawn = risk_areas_run(
            district=places["district"],
            commander=_member_actor(Role.COMMANDER),
            epidemiologist=_member_actor(Role.EPIDEMIOLOGIST),
        )
        _say(
            out,
            f"Risk areas: {len(drawn.areas)} designated over the first cases' compound and the "
            f"district; {drawn.classified} cases classified, their infections recorded.",
        )
        served = _timed(
            out,
            "Closing the high-risk compound (households, sweep, residents' requests)",
            lambda: community_run(
                district=places["district"],
                commander=_member_actor(Role.COMMANDER),
                duty=_member_actor(Role.DUTY_OFFICER),
                dispatcher=_member_actor(Role.TRANSFER_DISPATCHER),
            ),
        )
        if served.households:
            _say(
                out,
                f"Community: {served.compound} closed, {served.households} households covered by "
                f"{served.responsibles} responsible persons, {served.visited} visited in the "
                "sweep, "
                f"{served.requests} requests (a dialysis exit with vehicle {served.vehicle}); "
                f"the patient's request page: {url}{served.resident_url}",
            )
        epidemiologist = _member_actor(Role.EPIDEMIOLOGIST)
        found = _timed(
            out,
            "Investigating the newest cases (venue scans as trajectory, contact candidates)",
            lambda: demo_investigate(actor=epidemiologist),
        )
        _say(
            out,
            f"Contacts: {found.cases} cases investigated, {found.visits} trajectory visits from "
            f"venue scans, {found.candidates:,} contact candidates (slowest derivation "
            f"{found.slowest_seconds:.2f} s); most candidates: case {found.best_case} "
            f"({found.best_candidates:,}), /tracing/cases/{found.best_case}/contacts/",
        )
        _say(out, f"Lead lists pushed to: {found.lead_lists_text or 'no other district'}.")
        intake = _timed(
            out,
            "Confirming close contacts, issuing their orders and allocating rooms",
            lambda: demo_orders_run(
                city=places["city"],
                district=places["district"],
                epidemiologist=epidemiologist,
                manager=_member_actor(Role.ISOLATION_MANAGER),
                screening=setup,
            ),
        )
        _say(out, demo_orders_summary(intake))
        moved = _timed(
            out,
            "Transfers and health checks (vehicles, tasks, checks, a fever)",
            lambda: demo_transfers(
                district=places["district"],
                dispatcher=_member_actor(Role.TRANSFER_DISPATCHER),
                manager=_member_actor(Role.ISOLATION_MANAGER),
                epidemiologist=_member_actor(Role.EPIDEMIOLOGIST),
                clinician=_member_actor(Role.CLINICIAN),
            ),
        )
        _say(
            out,
            f"Transfers: {moved.tasks} tasks for {moved.orders} orders ({moved.delivered} "
            f"delivered); checks: {moved.checks} entered, {moved.self_reported} self-reported; "
            f"{moved.hospital_transfers} transfer(s) to hospital after a fever: "
            "/isolation/transfers/, /isolation/checks/",
        )
        supplied = _timed(
            out,
            "Supplies: stock, requests allocated and delivered, a power shortage plan",
            lambda: supplies_run(
                places=places,
                officer=_member_actor(Role.SUPPLIES_OFFICER),
                grid_worker=_member_actor(Role.GRID_WORKER),
                commander=_member_actor(Role.COMMANDER),
                day=timezone.localdate(),
            ),
        )
        if supplied is not None:
            _say(
                out,
                f"Supplies: {supplied.requests} compound requests, {supplied.units_allocated:,} "
                f"units allocated, {supplied.delivered} handed over at the gate, "
                f"{supplied.doors_confirmed} households confirmed at the door; power plan: "
                f"{supplied.whole} priority users keep power whole, {supplied.cut} curtailed "
                "(/supplies/services/).",
            )
        duty = _timed(
            out,
            "Command centre: rosters, dispatch meeting, duty check, directive, reports, inspection",
            lambda: demo_duty(
                commander=_member_actor(Role.COMMANDER),
                inspector=_member_actor(Role.INSPECTOR),
                district=places["district"],
                password=password,
            ),
        )
        _say(
            out,
            f"Command: rosters of the city's working groups at /command/bodies/{duty.body}/ ("
            + ", ".join(
                f"{kind} {'clean' if clean else 'flagged'}"
                for kind, clean in duty.rosters_clean.items()
            )
            + f"); dispatch meeting /command/meetings/{duty.meeting}/ ({duty.present} "
            "present), its decision the directive below; "
            f"duty check /command/duty-checks/{duty.duty_check}/ ({duty.on_time} "
            f"in time, {duty.late} late, {duty.unanswered} unanswered); directive "
            f"/command/directives/{duty.directive}/ acknowledged by the district; "
            f"{duty.reports} daily reports filed (/command/reports/); inspection finding "
            f"closed at /command/inspections/{duty.inspection}/",
        )
    treated = _timed(
        out,
        "Treating positives in Fangcang beds, care requests and an appeal",
        lambda: treatment_run(
            city=places["city"],
            district=places["district"],
            manager=_member_actor(Role.ISOLATION_MANAGER),
            epidemiologist=_member_actor(Role.EPIDEMIOLOGIST),
            clinician=_member_actor(Role.CLINICIAN),
            commander=_member_actor(Role.COMMANDER),
        ),
    )
    _say(
        out,
        f"Treatment: {treated.admitted} admitted to Fangcang beds, {treated.transferred} "
        f"moved to the designated hospital, {treated.tests} release tests recorded, "
        f"{treated.discharged} discharged"
        + (
            f"; the next discharge is possible from {treated.next_discharge} (run the demo "
            "again that day), /isolation/treatment/"
            if treated.next_discharge
            else ", /isolation/treatment/"
        )
        + f"; {treated.requests} care requests, the appeal decided by "
        f"{treated.appeal_decided_by or '—'}, /isolation/care/",
    )
    if earlier:
        imported = _timed(
            out,
            "Importing the earlier days' cases from the direct reporting system (补录)",
            lambda: demo_cases_import(earlier, epidemiologist=_member_actor(Role.EPIDEMIOLOGIST)),
        )
        _say(
            out,
            f"Earlier reports: {imported.created} cases reported at fever clinics from "
            f"{timezone.localdate(earlier[0].reported_at)} to "
            f"{timezone.localdate(earlier[-1].reported_at)} imported by the epidemiologist "
            f"({imported.unchanged} already had a case); the epidemic curve starts "
            f"{min(r.onset_date for r in earlier)} (/cases/import/, /command/picture/).",
        )
    command = _timed(
        out,
        "Drawing the city's map and computing the command figures",
        lambda: command_picture_prepare(city=places["city"], seed=seed),
    )
    _say(
        out,
        f"Command picture: {command.outlines} outlines, {command.figures:,} figures; the "
        "commander opens /command/picture/.",
    )
    _print_accounts(out, accounts, password if generated else "", url)


def _feed_actor() -> Actor:
    """The demo administrator (at the city) as the tracing feed, so the batches are recorded
    in the city and show on its tracing page."""
    return _member_actor(Role.ADMINISTRATOR)


def _member_actor(role: Role) -> Actor:
    """The demo account of ``role`` (user name = role value) as an actor at its node."""
    membership = Membership.objects.select_related("user", "region").get(
        user__username=role.value, role=role, is_active=True
    )
    return actor_from_membership(membership)


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _print_accounts(out: TextIO, accounts: list[DemoAccount], password: str, url: str) -> None:
    header = ("username", "role", "jurisdiction")
    rows = [(a.username, str(a.role.label), f"{a.region.name} ({a.region.code})") for a in accounts]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
    _say(out, "")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        _say(out, "  ".join(cells).rstrip())
    _say(out, "")
    if password:
        _say(out, f"Password of every demo account: {password}")
        _say(out, f"(generated for this run; set {PASSWORD_ENV} to choose one)")
    else:
        _say(out, f"Password of every demo account: the value of {PASSWORD_ENV}")
    if url:
        _say(out, f"Open {url}")
