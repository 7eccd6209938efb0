"""The discharge rule (R25) as a pure function, by property: whatever the tests, discharge is
allowed exactly when the day count is reached, nothing is pending, and the latest
``release_tests`` results each pass (negative, or both Ct values at the thresholds) and lie
far enough apart — checked against a plain restatement of the rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from fangkong.isolation.models import TreatmentTest
from fangkong.isolation.treatment.discharge import discharge_blockers
from fangkong.policy.schema import Positives

DAY0 = date(2022, 7, 15)
START = datetime(2022, 7, 15, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
NINTH = Positives(
    release_after_days=7,
    release_ct_min_n=35.0,
    release_ct_min_orf1ab=35.0,
    release_tests=2,
    release_tests_min_hours_apart=24,
    home_monitoring_days=7,
)

tests_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10 * 24),
        st.sampled_from(["pending", "negative", "positive"]),
        st.floats(min_value=20, max_value=40, allow_nan=False),
        st.floats(min_value=20, max_value=40, allow_nan=False),
    ),
    max_size=6,
    unique_by=lambda row: row[0],
)


def _tests(rows: list[tuple[int, str, float, float]]) -> list[TreatmentTest]:
    return [
        TreatmentTest(
            sampled_at=START + timedelta(hours=hours),
            status=status,
            ct_n=ct_n if status == "positive" else None,
            ct_orf1ab=ct_orf if status == "positive" else None,
        )
        for hours, status, ct_n, ct_orf in rows
    ]


def _allowed(tests: list[TreatmentTest], today: date) -> bool:
    if today < DAY0 + timedelta(days=7):
        return False
    if any(test.status == "pending" for test in tests):
        return False
    done = sorted(tests, key=lambda test: test.sampled_at)[-2:]
    if len(done) < 2:
        return False
    for test in done:
        if test.status == "positive" and not (
            (test.ct_n or 0) >= 35 and (test.ct_orf1ab or 0) >= 35
        ):
            return False
    return done[1].sampled_at - done[0].sampled_at >= timedelta(hours=24)


@given(rows=tests_strategy, days=st.integers(min_value=0, max_value=12))
def test_discharge_is_allowed_exactly_when_the_rule_holds(rows, days):
    tests = _tests(rows)
    today = DAY0 + timedelta(days=days)
    blockers = discharge_blockers(positives=NINTH, isolated_since=DAY0, tests=tests, today=today)
    assert (blockers == []) == _allowed(tests, today)


@given(rows=tests_strategy)
def test_without_a_rule_for_positives_nothing_blocks(rows):
    assert (
        discharge_blockers(positives=None, isolated_since=DAY0, tests=_tests(rows), today=DAY0)
        == []
    )
