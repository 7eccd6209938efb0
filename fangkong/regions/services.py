"""Every write to the jurisdiction tree: create a node, rename it, import a division table.

Administrators write inside their own subtree; top-level nodes come only from the product
itself (the ``regions_import`` command or the synthetic city). Each write runs in one
transaction with its audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import statistics_refresh_if_stale
from fangkong.core.concurrency import update_versioned
from fangkong.core.errors import (
    Conflict,
    FangkongError,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from fangkong.core.roles import Role
from fangkong.regions.boundaries import MAX_BOUNDARY_BYTES, boundary_plan
from fangkong.regions.codes import CODE_MESSAGES, NAME_MESSAGES, code_problem, name_problem
from fangkong.regions.codes import time_zone_ok as _time_zone_ok
from fangkong.regions.importer import (
    DEFAULT_TIME_ZONE,
    LOOKUP_BATCH,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportPlan,
    import_plan,
)
from fangkong.regions.models import Region, RegionBoundary

INSERT_BATCH = 1_000


def _require_writer(actor: AnyActor) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied(
            _("Only administrators change the jurisdiction tree."), code="role_not_allowed"
        )


def _require_in_scope(actor: AnyActor, region: Region | None) -> None:
    if not actor.region_path:
        return
    if region is None or not region.is_within(actor.region_path):
        raise PermissionDenied(
            _("You can change the tree only inside your own jurisdiction."),
            code="region_out_of_scope",
        )


def _clean_name(name: str) -> str:
    name = name.strip()
    problem = name_problem(name)
    if problem:
        raise ValidationFailed(
            _("The name is not valid."),
            errors=[field_error("name", problem, str(NAME_MESSAGES[problem]))],
        )
    return name


@transaction.atomic
def region_create(
    *,
    actor: AnyActor,
    parent: Region | None,
    code: str,
    name: str,
    level: int | None = None,
    time_zone: str | None = None,
) -> Region:
    """Add a node under ``parent`` (``None``: a province, system only).

    The code must fit the parent (see ``regions.codes``); ``level`` is derived and, when
    given, must agree; ``time_zone`` defaults to the parent's. Raises ``PermissionDenied``
    (role, parent outside the subtree) and ``ValidationFailed`` (code, level, name, time zone,
    code taken). Audited.
    """
    _require_writer(actor)
    if parent is not None or actor.region_path:
        _require_in_scope(actor, parent)
    code = code.strip()
    clean_name = _clean_name(name)
    errors = []
    problem = code_problem(code, parent.code if parent else None, parent.level if parent else None)
    if problem:
        errors.append(field_error("code", problem, str(CODE_MESSAGES[problem])))
    derived = parent.level + 1 if parent is not None else 1
    if level is not None and level != derived:
        errors.append(
            field_error(
                "level",
                "level_mismatch",
                _("A child of this node is at level %(level)s.") % {"level": derived},
            )
        )
    zone = (time_zone or "").strip() or (parent.time_zone if parent else DEFAULT_TIME_ZONE)
    if not _time_zone_ok(zone):
        errors.append(field_error("time_zone", "time_zone_unknown", _("Unknown time zone.")))
    if not errors and Region.objects.filter(code=code).exists():
        errors.append(field_error("code", "code_taken", _("A node with this code exists.")))
    if errors:
        raise ValidationFailed(_("The node cannot be created."), errors=errors)
    try:
        with transaction.atomic():
            region = Region.objects.create(
                code=code,
                name=clean_name,
                level=derived,
                parent=parent,
                path=f"{parent.path}.{code}" if parent else code,
                time_zone=zone,
            )
    except IntegrityError:
        raise ValidationFailed(
            _("The node cannot be created."),
            errors=[field_error("code", "code_taken", _("A node with this code exists."))],
        ) from None
    audit_record(
        actor=actor,
        action="region_create",
        object_type="region",
        object_id=code,
        fields=["code", "name", "level", "parent", "time_zone"],
        extra={"parent": parent.code if parent else None, "level": derived},
    )
    return region


@transaction.atomic
def region_rename(
    *, actor: AnyActor, region: Region, name: str, version: int, reason: str = ""
) -> Region:
    """Give ``region`` a new name (version-checked: ``Conflict`` ``stale_version`` when the
    node changed meanwhile). Raises ``PermissionDenied`` and ``ValidationFailed``. Audited
    with the old and new name (division names are public, not personal data)."""
    _require_writer(actor)
    _require_in_scope(actor, region)
    clean_name = _clean_name(name)
    if len(reason) > 1000:
        raise ValidationFailed(
            _("The reason is too long."),
            errors=[field_error("reason", "too_long", _("At most 1000 characters."))],
        )
    old = region.name
    if clean_name == old:
        raise ValidationFailed(
            _("The name is unchanged."),
            errors=[field_error("name", "name_unchanged", _("Give a different name."))],
        )
    update_versioned(region, expected_version=version, changes={"name": clean_name})
    audit_record(
        actor=actor,
        action="region_rename",
        object_type="region",
        object_id=region.code,
        fields=["name"],
        reason=reason.strip(),
        extra={"from": old, "to": clean_name},
    )
    return region


@dataclass(frozen=True)
class ImportReport:
    """The outcome of an import that passed every check.

    ``rows_read == new + unchanged`` (no row is rejected, or the import would have failed);
    ``created`` equals ``new`` when the rows were written and is 0 for a dry run.
    """

    rows_read: int
    new: int
    created: int
    unchanged: int
    rejected: int
    committed: bool
    dry_run: bool
    sha256: str
    encoding: str

    @property
    def nothing_to_do(self) -> bool:
        return self.new == 0


def _read(file: BinaryIO | bytes, max_bytes: int) -> bytes:
    data = file if isinstance(file, bytes) else file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.") % {"mb": max_bytes // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    return data


def _insert(plan: ImportPlan) -> int:
    """Create the planned nodes level by level, parents before children, in batches."""
    ids: dict[str, int] = dict(plan.existing_parents)
    created = 0
    by_level: dict[int, list[tuple[str, Region]]] = {}
    for node in plan.new:
        region = Region(
            code=node.row.code,
            name=node.row.name,
            level=node.level,
            path=node.path,
            time_zone=node.time_zone,
        )
        by_level.setdefault(node.level, []).append((node.row.parent_code, region))
    for level in sorted(by_level):
        objects = []
        for parent_code, region in by_level[level]:
            region.parent_id = ids[parent_code] if parent_code else None
            objects.append(region)
        Region.objects.bulk_create(objects, batch_size=INSERT_BATCH)
        created += len(objects)
        if objects and objects[0].pk is None:  # backends that cannot return ids
            codes = [obj.code for obj in objects]
            for start in range(0, len(codes), LOOKUP_BATCH):
                ids.update(
                    Region.objects.filter(code__in=codes[start : start + LOOKUP_BATCH]).values_list(
                        "code", "pk"
                    )
                )
        else:
            ids.update((obj.code, obj.pk) for obj in objects)
    with connection.cursor() as cursor:
        statistics_refresh_if_stale(cursor, Region._meta.db_table, created)
    return created


def region_import_csv(
    *,
    actor: AnyActor,
    file: BinaryIO | bytes,
    dry_run: bool = False,
    filename: str = "",
    max_bytes: int = MAX_IMPORT_BYTES,
    max_rows: int = MAX_IMPORT_ROWS,
) -> ImportReport:
    """Import a division table (CSV ``code,name,parent_code[,time_zone]``), all or nothing.

    1. Refuse files above ``max_bytes`` (413) before reading further, then decode and parse
       (see ``regions.importer``: encodings, header, row limit).
    2. Check every row; if any is bad, raise ``ValidationFailed`` (``import_rejected``)
       listing every problem with its row, field and code, and the counts (``rows_read``,
       ``new``, ``unchanged``, ``rejected``): nothing is written.
    3. Rows whose code exists with the same name and parent are unchanged; the others are
       created with ``bulk_create``, parents before children, in one transaction with one
       audit row (file hash, counts). A file whose rows all exist writes nothing.

    Raises ``PermissionDenied`` for roles other than administrator.
    """
    _require_writer(actor)
    data = _read(file, max_bytes)
    plan = import_plan(data, actor=actor, max_rows=max_rows)
    if plan.errors:
        error = ValidationFailed(
            _("The file was not imported: fix the rows listed and import it again."),
            errors=plan.errors,
            code="import_rejected",
        )
        error.detail.update(
            rows_read=plan.rows_read,
            new=len(plan.new),
            unchanged=plan.unchanged,
            rejected=plan.rejected,
        )
        raise error
    created = 0
    if plan.new and not dry_run:
        try:
            with transaction.atomic():
                created = _insert(plan)
                audit_record(
                    actor=actor,
                    action="region_import_csv",
                    object_type="region_import",
                    object_id=plan.sha256,
                    fields=["code", "name", "level", "parent", "time_zone"],
                    extra={
                        "filename": filename[:200],
                        "encoding": plan.encoding,
                        "rows_read": plan.rows_read,
                        "created": created,
                        "unchanged": plan.unchanged,
                        "first_code": plan.new[0].row.code,
                        "last_code": plan.new[-1].row.code,
                        "vendor": connection.vendor,
                    },
                )
        except IntegrityError:
            raise Conflict(
                _(
                    "Some of these codes were created by someone else meanwhile; import the "
                    "file again."
                ),
                code="import_conflict",
            ) from None
    return ImportReport(
        rows_read=plan.rows_read,
        new=len(plan.new),
        created=created,
        unchanged=plan.unchanged,
        rejected=0,
        committed=bool(created),
        dry_run=dry_run,
        sha256=plan.sha256,
        encoding=plan.encoding,
    )


@dataclass(frozen=True)
class BoundaryReport:
    """The outcome of a boundary import that passed every check: ``stored`` outlines were new
    or changed (0 for a dry run), ``unchanged`` were already stored as given."""

    features: int
    stored: int
    unchanged: int
    dry_run: bool
    sha256: str


def region_boundaries_import(
    *,
    actor: AnyActor,
    file: BinaryIO | bytes,
    dry_run: bool = False,
    filename: str = "",
    max_bytes: int = MAX_BOUNDARY_BYTES,
) -> BoundaryReport:
    """Store the outlines of a GeoJSON boundary file keyed by region code, all or nothing.

    1. Refuse files above ``max_bytes`` (413), then check every feature
       (``regions.boundaries.boundary_plan``: code, geometry, a node in the actor's subtree).
    2. Any bad feature: ``ValidationFailed`` (``boundaries_rejected``) naming each by index
       and code, with the counts; nothing is written.
    3. Outlines equal to the stored ones are unchanged; the others replace or add the node's
       outline, in one transaction with one audit row (file hash, counts). Importing the same
       file again writes nothing.

    Raises ``PermissionDenied`` for roles other than administrator.
    """
    _require_writer(actor)
    data = _read(file, max_bytes)
    plan = boundary_plan(data, actor=actor)
    if plan.errors:
        error = ValidationFailed(
            _("The boundaries were not imported: fix the features listed and import again."),
            errors=plan.errors,
            code="boundaries_rejected",
        )
        error.detail.update(features=plan.features, rejected=plan.rejected)
        raise error
    ids = [plan.region_ids[outline.code] for outline in plan.outlines]
    stored_digests = dict(
        RegionBoundary.objects.filter(region_id__in=ids).values_list("region_id", "sha256")
    )
    changed = [
        outline
        for outline in plan.outlines
        if stored_digests.get(plan.region_ids[outline.code]) != outline.sha256
    ]
    if changed and not dry_run:
        now = timezone.now()
        with transaction.atomic():
            RegionBoundary.objects.bulk_create(
                [
                    RegionBoundary(
                        region_id=plan.region_ids[outline.code],
                        geometry=outline.geometry,
                        min_lon=outline.bbox[0],
                        min_lat=outline.bbox[1],
                        max_lon=outline.bbox[2],
                        max_lat=outline.bbox[3],
                        sha256=outline.sha256,
                        imported_at=now,
                    )
                    for outline in changed
                ],
                batch_size=INSERT_BATCH,
                update_conflicts=True,
                unique_fields=["region"],
                update_fields=[
                    "geometry",
                    "min_lon",
                    "min_lat",
                    "max_lon",
                    "max_lat",
                    "sha256",
                    "imported_at",
                ],
            )
            audit_record(
                actor=actor,
                action="region_boundaries_import",
                object_type="region_boundaries",
                object_id=plan.sha256,
                fields=["geometry"],
                extra={
                    "filename": filename[:200],
                    "features": plan.features,
                    "stored": len(changed),
                    "first_code": changed[0].code,
                    "last_code": changed[-1].code,
                },
            )
    return BoundaryReport(
        features=plan.features,
        stored=0 if dry_run else len(changed),
        unchanged=len(plan.outlines) - len(changed),
        dry_run=dry_run,
        sha256=plan.sha256,
    )
