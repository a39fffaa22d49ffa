"""Alerts: behind pace (CQ-5), CQ-11 warning, PDS-10 term ending, PDS-11 short exit notice, both profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.appraisal.alerts import (
    ABSENCE_WARNING,
    BEHIND_PACE,
    SHORT_EXIT_NOTICE,
    TERM_ENDING,
    all_alerts,
    pace,
    planner_alerts,
    term_last_day,
)
from server.appraisal.model import Planner
from server.people.exits import ExitRequest
from shared.profiles import Profile, load_profile
from tests.server.factories import at, attendance, confirmed_visits, visit

PLANNER = Planner(1, "王规划", 1, "示范区", term_start=date(2026, 1, 1))


def test_cq5_pace_on_1_july_expects_4_of_10_visits(chongqing: Profile) -> None:
    # 1 July 2026 is day 182 of 365: floor(10 * 182 / 365) = floor(4.99) = 4.
    p = pace(confirmed_visits(1, 2), chongqing, date(2026, 7, 1))
    assert (p.target, p.expected, p.confirmed, p.status, p.behind_by) == (10, 4, 2, "behind", 2)
    assert len(p.visit_ids) == 2


def test_cq5_pace_is_on_track_when_visits_keep_up(chongqing: Profile) -> None:
    p = pace(confirmed_visits(1, 4), chongqing, date(2026, 7, 1))
    assert (p.status, p.behind_by) == ("on_track", 0)


def test_cq5_nobody_is_behind_before_the_first_visit_is_due(chongqing: Profile) -> None:
    # 5 February is day 36 (expected floor(0.99) = 0); 6 February is day 37 (expected 1).
    assert pace([], chongqing, date(2026, 2, 5)).status == "on_track"
    assert pace([], chongqing, date(2026, 2, 6)).behind_by == 1


def test_cq5_on_31_december_the_whole_target_is_due(chongqing: Profile) -> None:
    p = pace(confirmed_visits(1, 9), chongqing, date(2026, 12, 31))
    assert (p.expected, p.behind_by) == (10, 1)


def test_cq5_only_confirmed_closed_visits_of_this_year_count(chongqing: Profile) -> None:
    visits = [
        *confirmed_visits(1, 3),
        visit(1, at(2026, 3, 1), review="pending"),
        visit(1, at(2026, 3, 2), review="rejected"),
        visit(1, at(2026, 3, 3), minutes=None),
        visit(1, at(2025, 12, 31, 23)),  # Beijing time: last year
    ]
    assert pace(visits, chongqing, date(2026, 7, 1)).confirmed == 3


def test_cq5_behind_pace_alert_carries_the_numbers(chongqing: Profile) -> None:
    alerts = planner_alerts(PLANNER, chongqing, date(2026, 7, 1), confirmed_visits(1, 1))
    assert [(a.code, a.rule_id) for a in alerts] == [(BEHIND_PACE, "CQ-5")]
    assert alerts[0].params == {"year": 2026, "confirmed": 1, "expected": 4, "target": 10, "behind_by": 3}


def test_pingdingshan_sets_no_visit_target_so_no_pace_alert(pingdingshan: Profile) -> None:
    assert pace([], pingdingshan, date(2026, 12, 31)).status == "no_target"
    assert [a.code for a in planner_alerts(PLANNER, pingdingshan, date(2026, 7, 1))] == []


def test_cq11_absence_warning_is_an_alert_in_chongqing_only(profile: Profile) -> None:
    records = attendance(1, "AUUU")
    codes = [
        (a.code, a.rule_id) for a in planner_alerts(PLANNER, profile, date(2026, 2, 1), attendance=records)
    ]
    if profile.name == "chongqing":
        assert codes == [(ABSENCE_WARNING, "CQ-11")]
    else:
        assert codes == []


def test_pds10_term_ending_within_30_days_alerts(pingdingshan: Profile) -> None:
    # A one-year term from 1 January 2026 ends on 31 December 2026; the profile warns 30 days ahead.
    assert pingdingshan.term_warning_days == 30
    assert term_last_day(date(2026, 1, 1), 1) == date(2026, 12, 31)
    alerts = planner_alerts(PLANNER, pingdingshan, date(2026, 12, 1))
    assert [(a.code, a.rule_id, a.params) for a in alerts] == [
        (TERM_ENDING, "PDS-10", {"term_end": "2026-12-31", "days_left": 30})
    ]
    assert planner_alerts(PLANNER, pingdingshan, date(2026, 11, 30)) == []
    assert planner_alerts(PLANNER, pingdingshan, date(2027, 1, 1)) == []


def test_pds10_the_profile_says_how_many_days_ahead_a_term_ending_warns(pingdingshan: Profile) -> None:
    sooner = replace(pingdingshan, term_warning_days=10)
    assert planner_alerts(PLANNER, sooner, date(2026, 12, 1)) == []
    assert [a.params["days_left"] for a in planner_alerts(PLANNER, sooner, date(2026, 12, 21))] == [10]
    assert planner_alerts(PLANNER, replace(pingdingshan, term_warning_days=None), date(2026, 12, 31)) == []


def test_pds10_a_term_from_29_february_ends_on_28_february() -> None:
    assert term_last_day(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_pds10_chongqing_sets_no_term_so_no_term_alert(chongqing: Profile) -> None:
    alerts = planner_alerts(PLANNER, chongqing, date(2026, 12, 20), confirmed_visits(1, 10))
    assert alerts == []


def test_pds11_short_exit_notice_is_an_alert_in_pingdingshan_only(profile: Profile) -> None:
    # 14 working days across Mid-Autumn, National Day and Saturday 10 October (see test_workdays).
    request = ExitRequest("req-1", 1, date(2026, 9, 22), date(2026, 10, 19))
    alerts = planner_alerts(PLANNER, profile, date(2026, 9, 22), exit_requests=[request])
    alerts = [a for a in alerts if a.code == SHORT_EXIT_NOTICE]
    if profile.name == "pingdingshan":
        assert len(alerts) == 1
        assert alerts[0].rule_id == "PDS-11"
        assert alerts[0].params["notice_working_days"] == 14
        assert alerts[0].params["earliest_leave_on"] == "2026-10-20"
    else:
        assert alerts == []


def test_alerts_are_given_to_the_right_planner(chongqing: Profile) -> None:
    other = Planner(2, "李规划", 1, "示范区")
    alerts = all_alerts(
        [PLANNER, other],
        chongqing,
        date(2026, 7, 1),
        visits=confirmed_visits(1, 5) + confirmed_visits(2, 1),
        attendance=attendance(1, "UUU"),
    )
    assert [(a.planner_id, a.code) for a in alerts] == [(1, ABSENCE_WARNING), (2, BEHIND_PACE)]


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 30)))
def test_cq5_expected_visits_never_drop_from_one_day_to_the_next_within_a_year(day: date) -> None:
    chongqing = load_profile("chongqing")
    following = day + timedelta(days=1)
    if following.year == day.year:
        assert pace([], chongqing, day).expected <= pace([], chongqing, following).expected
    else:
        assert pace([], chongqing, day).expected == chongqing.visit_target
