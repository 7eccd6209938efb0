"""The process's rounds and points (``lab/placing.py``) are bounded and drop expired entries."""

from __future__ import annotations

import uuid

import pytest

from fangkong.lab.sampling import placing
from fangkong.lab.tests.factories import screening_make


@pytest.mark.django_db
def test_kept_rounds_and_points_are_bounded_and_expire(tree):
    s = screening_make(tree, residents=2)
    assert set(placing._shapes({s.round.code})) == {s.round.code}
    assert set(placing._point_objects({s.point.code})) == {s.point.code}
    for kept in (placing._rounds, placing._points):
        assert kept.maxsize == placing.PLACES_KEPT
        assert len(kept) == 1
        kept.expire(kept.timer() + placing.PLACES_SECONDS - 1)
        assert len(kept) == 1  # still fresh
        kept.expire(kept.timer() + placing.PLACES_SECONDS + 1)
        assert len(kept) == 0  # past its time: dropped, not just ignored
    # Bounded: a process that meets more points than it keeps holds only PLACES_KEPT.
    placing._keep(placing._points, {uuid.uuid4(): s.point for _ in range(placing.PLACES_KEPT + 9)})
    assert len(placing._points) == placing.PLACES_KEPT
