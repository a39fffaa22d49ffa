"""The policy rules in shared/rules.py, each tested under its rule ID."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared import rules
from shared.profiles import load_profile
from shared.rules import ATTENDED, EXCUSED, UNEXCUSED, VisitFacts

CQ = load_profile("chongqing")
PDS = load_profile("pingdingshan")


def test_visit_hours_are_the_time_between_check_in_and_check_out() -> None:
    assert rules.visit_hours("2026-03-01T09:00:00+08:00", "2026-03-01T11:30:00+08:00") == 2.5


def test_visit_hours_use_instants_across_time_zones() -> None:
    # 09:00 in Shanghai is 01:00 UTC: checked out at 02:15 UTC is 1.25 h, whatever offset the phone wrote.
    assert rules.visit_hours("2026-03-01T09:00:00+08:00", "2026-03-01T02:15:00+00:00") == 1.25


def test_open_visit_has_worked_no_hours_yet() -> None:
    assert rules.visit_hours("2026-03-01T09:00:00+08:00", None) == 0


@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.integers(min_value=0, max_value=72 * 3600),
)
def test_visit_seconds_never_negative_and_match_duration(start: datetime, seconds: int) -> None:
    end = start + timedelta(seconds=seconds)
    assert rules.visit_seconds(start.isoformat(), end.isoformat()) == seconds
    assert rules.visit_seconds(end.isoformat(), start.isoformat()) == 0


def test_visit_belongs_to_the_local_year_it_started_in() -> None:
    # 23:30 on New Year's Eve in Shanghai is still 2025 there, though it is 15:30 UTC.
    assert rules.local_year("2025-12-31T23:30:00+08:00") == 2025
    assert rules.local_year("2025-12-31T16:30:00+00:00") == 2026  # 00:30 on 1 January in Shanghai


def test_cq5_only_confirmed_checked_out_visits_of_the_year_count_toward_the_target() -> None:
    visits = [
        VisitFacts("2026-02-01T09:00:00+08:00", "2026-02-01T10:00:00+08:00", rules.CONFIRMED),
        VisitFacts("2026-02-02T09:00:00+08:00", "2026-02-02T10:00:00+08:00", rules.PENDING),
        VisitFacts("2026-02-03T09:00:00+08:00", "2026-02-03T10:00:00+08:00", rules.REJECTED),
        VisitFacts("2026-02-04T09:00:00+08:00", None, rules.CONFIRMED),
        VisitFacts("2025-12-31T23:00:00+08:00", "2026-01-01T01:00:00+08:00", rules.CONFIRMED),
    ]
    assert rules.counted_visits(visits, 2026) == [visits[0]]
    assert rules.counted_visits(visits, 2025) == [visits[4]]
    assert CQ.visit_target == 10


def test_visit_left_open_past_midnight_is_flagged() -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 on 2 March in Shanghai
    assert rules.left_open_overnight("2026-03-01T09:00:00+08:00", None, now)
    assert not rules.left_open_overnight("2026-03-02T08:00:00+08:00", None, now)
    assert rules.left_open_overnight("2026-03-01T20:00:00+08:00", "2026-03-02T01:00:00+08:00", now)
    assert not rules.left_open_overnight("2026-03-01T09:00:00+08:00", "2026-03-01T18:00:00+08:00", now)


def _absences(*statuses: str, year: int = 2026) -> list[tuple[date, str]]:
    return [(date(year, 1, 1) + timedelta(days=7 * i), s) for i, s in enumerate(statuses)]


def _cq11(records: list[tuple[date, str]], year: int = 2026) -> rules.AbsenceWarning | None:
    return rules.absence_warning(records, year, CQ.absence_consecutive_limit, CQ.absence_yearly_limit)


def test_cq11_three_unexcused_absences_in_a_row_warn() -> None:
    warning = _cq11(_absences(ATTENDED, UNEXCUSED, UNEXCUSED, UNEXCUSED))
    assert warning == rules.AbsenceWarning("consecutive", 3, 3)


def test_cq11_two_in_a_row_broken_by_attendance_do_not_warn() -> None:
    assert _cq11(_absences(UNEXCUSED, UNEXCUSED, ATTENDED, UNEXCUSED)) is None


def test_cq11_an_excused_absence_breaks_the_run() -> None:
    assert _cq11(_absences(UNEXCUSED, UNEXCUSED, EXCUSED, UNEXCUSED)) is None


def test_cq11_five_unexcused_in_one_year_warn_even_when_never_three_in_a_row() -> None:
    seq = [UNEXCUSED, UNEXCUSED, ATTENDED] * 2 + [UNEXCUSED]
    assert _cq11(_absences(*seq)) == rules.AbsenceWarning("yearly", 5, 5)


def test_cq11_absences_of_another_year_do_not_count() -> None:
    records = _absences(UNEXCUSED, UNEXCUSED, year=2025) + _absences(UNEXCUSED, year=2026)
    assert _cq11(records) is None


def test_cq11_attendance_order_is_by_activity_date_not_by_recording_order() -> None:
    records = _absences(UNEXCUSED, ATTENDED, UNEXCUSED, UNEXCUSED)
    # Recorded out of order, the attended activity still sits between the absences.
    assert _cq11(list(reversed(records))) is None


def test_pds_profile_sets_no_absence_thresholds_so_no_warning() -> None:
    records = _absences(*[UNEXCUSED] * 8)
    assert (
        rules.absence_warning(records, 2026, PDS.absence_consecutive_limit, PDS.absence_yearly_limit) is None
    )


@given(st.lists(st.sampled_from(rules.ATTENDANCE), max_size=40))
def test_cq11_warns_exactly_when_a_run_of_3_or_a_total_of_5_unexcused(statuses: list[str]) -> None:
    run = best = 0
    for s in statuses:
        run = run + 1 if s == UNEXCUSED else 0
        best = max(best, run)
    expected = best >= 3 or statuses.count(UNEXCUSED) >= 5
    assert (_cq11(_absences(*statuses)) is not None) == expected


def test_cq9_ten_planners_allow_three_excellent() -> None:
    assert rules.max_excellent(10, CQ.excellent_cap) == 3


def test_cq9_rounding_is_down_so_the_share_never_exceeds_30_percent() -> None:
    assert rules.max_excellent(9, CQ.excellent_cap) == 2
    assert rules.max_excellent(3, CQ.excellent_cap) == 0
    assert rules.max_excellent(20, CQ.excellent_cap) == 6


def test_cq9_fourth_excellent_among_ten_is_refused() -> None:
    grades = ["优秀"] * 3 + ["称职"] * 7
    assert rules.excellent_cap_allows(grades, CQ.excellent_grade, CQ.excellent_cap)
    grades[3] = "优秀"
    assert not rules.excellent_cap_allows(grades, CQ.excellent_grade, CQ.excellent_cap)


@given(st.integers(min_value=0, max_value=100_000))
def test_cq9_cap_is_the_largest_count_within_30_percent(n: int) -> None:
    k = rules.max_excellent(n, 0.3)
    assert k is not None
    assert k * 10 <= n * 3 < (k + 1) * 10


def test_pds10_profile_sets_no_excellent_cap() -> None:
    assert rules.max_excellent(10, PDS.excellent_cap) is None
    assert rules.excellent_cap_allows(["优秀"] * 10, PDS.excellent_grade, PDS.excellent_cap)


def test_hours_round_half_up_to_the_hundredth_like_the_sql_sums() -> None:
    # 18 s is exactly half a hundredth of an hour: it rounds up, on the phone as in the server's SQL.
    assert rules.hours(18) == 0.01
    assert rules.hours(17) == 0.0
    assert rules.hours(3600 + 54) == 1.02  # 1.015 h: a float round() would give 1.01


@given(st.integers(min_value=0, max_value=10**9))
def test_hours_agree_with_the_integer_formula_the_server_sums(seconds: int) -> None:
    assert rules.hours(seconds) == ((seconds * 100 + 1800) // 3600) / 100
