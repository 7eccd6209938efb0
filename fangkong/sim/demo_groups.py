"""The synthetic city's work teams and school classes, loaded into the people register
through its bulk path (``people.groups.bulk.groups_bulk_load``), so that contact tracing
finds a case's colleagues and classmates as it would a registry's (issue 19 §4).

A person's ``team`` in :class:`fangkong.sim.places.Places` is their work team or class (the
outbreak's work/school layer); a team of pupils at a school is a class (班级), every other
team a work team (班组), school staff included. A group sits in the district of its site.
"""

from __future__ import annotations

import polars as pl

from fangkong.core.actor import AnyActor
from fangkong.people.choices import GroupKind
from fangkong.people.groups.bulk import GroupsLoaded, groups_bulk_load
from fangkong.sim.occupations import Occupation
from fangkong.sim.places import Places, SiteKind

SOURCE = "demo"


def groups_frames(places: Places, person_codes: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(groups, members) frames for ``groups_bulk_load``: one group per team of ``places``
    (key ``team-<n>``, named after its site's venue code and its number there), members by
    person code (``person_codes`` in ``person_key`` order)."""
    sites = places.sites.join(
        places.venues.select(pl.col("venue").cast(pl.Int32), venue_code="code"),
        on="venue",
    ).select("site", "kind", "district", "venue_code")
    members = (
        places.persons.filter(pl.col("team") >= 0)
        .select("person_key", "team", "site", "occupation")
        .join(sites, on="site")
    )
    pupil = (pl.col("kind") == int(SiteKind.SCHOOL)) & (
        pl.col("occupation").cast(pl.String) == Occupation.STUDENT.value
    )
    teams = (
        members.group_by("team")
        .agg(
            pl.col("site").first(),
            pl.col("district").first(),
            pl.col("venue_code").first(),
            pupil.all().alias("is_class"),
        )
        .sort("team")
        .with_columns(number=pl.col("team").rank("ordinal").over("site"))
    )
    groups = teams.select(
        key=pl.lit("team-") + pl.col("team").cast(pl.String),
        kind=pl.when(pl.col("is_class"))
        .then(pl.lit(GroupKind.SCHOOL_CLASS.value))
        .otherwise(pl.lit(GroupKind.WORK_TEAM.value)),
        name=pl.col("venue_code")
        + pl.when(pl.col("is_class"))
        .then(pl.lit(" ") + pl.col("number").cast(pl.String) + pl.lit("班"))
        .otherwise(pl.lit(" 第") + pl.col("number").cast(pl.String) + pl.lit("班组")),
        region_code=pl.col("district"),
    )
    member_frame = members.select(
        group_key=pl.lit("team-") + pl.col("team").cast(pl.String),
        person=person_codes.gather(members["person_key"].cast(pl.Int64)),
    )
    return groups, member_frame


def demo_groups_load(places: Places, person_codes: pl.Series, *, actor: AnyActor) -> GroupsLoaded:
    """Load the city's teams and classes as ``actor`` (the demo's administrator at the city);
    sent again, it stores nothing more."""
    groups, members = groups_frames(places, person_codes)
    return groups_bulk_load(actor=actor, source=SOURCE, groups=groups, members=members)
