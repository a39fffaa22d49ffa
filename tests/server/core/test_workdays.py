"""Chinese working days for PDS-4 (pool notice) and PDS-11 (exit notice), both profiles.

The 2026 schedule: National Day 1-7 October off, Mid-Autumn 25 September off, Sunday 20 September and
Saturday 10 October are adjusted working days; Spring Festival 15-23 February off, Saturdays 14 and 28
February work.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.core.workdays import (
    add_working_days,
    earliest_notice_end,
    is_working_day,
    notice_period_working_days,
    working_days_between,
)
from server.people.exits import ExitRequest, exit_notice_shortfall
from server.people.pool import pool_notice_complete
from shared.profiles import Profile

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


def test_adjusted_working_weekends_count_as_working_days() -> None:
    for day in (date(2026, 10, 10), date(2026, 9, 20), date(2026, 2, 14), date(2026, 2, 28)):
        assert day.weekday() >= 5
        assert is_working_day(day), day


def test_national_day_and_mid_autumn_weekdays_are_not_working_days() -> None:
    for day in (
        date(2026, 9, 25),
        date(2026, 10, 1),
        date(2026, 10, 2),
        date(2026, 10, 5),
        date(2026, 10, 7),
    ):
        assert day.weekday() < 5
        assert not is_working_day(day), day


def test_an_ordinary_weekend_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 3, 7))
    assert not is_working_day(date(2026, 3, 8))


def test_an_ordinary_week_has_five_working_days_between_mondays() -> None:
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_the_national_day_week_has_few_working_days() -> None:
    # After Wed 30 Sep up to Sat 10 Oct: Thu 8, Fri 9, Sat 10 (adjusted) = 3.
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


@given(days, days, days)
def test_working_days_add_up_over_consecutive_spans(a: date, b: date, c: date) -> None:
    a, b, c = sorted((a, b, c))
    assert working_days_between(a, c) == working_days_between(a, b) + working_days_between(b, c)
    assert 0 <= working_days_between(a, c) <= (c - a).days


@given(days, st.integers(min_value=0, max_value=40))
def test_adding_working_days_lands_on_a_working_day_that_far_away(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert n == 0 or is_working_day(end)


def _request(filed: date, leave: date) -> ExitRequest:
    return ExitRequest("r1", 5, filed, leave)


def test_pds11_exit_request_with_14_working_days_notice_alerts(pingdingshan: Profile) -> None:
    # Filed Tue 22 Sep 2026, leaving Mon 19 Oct. Working days after filing: 23, 24 Sep (25 is Mid-Autumn),
    # 28, 29, 30 Sep; 1-7 Oct National Day; 8, 9 Oct, Sat 10 Oct (adjusted), 12-16 Oct, 19 Oct = 14.
    # 19 calendar weekdays lie in between, so counting plain weekdays would wrongly accept it.
    short = exit_notice_shortfall(_request(date(2026, 9, 22), date(2026, 10, 19)), pingdingshan)
    assert short is not None
    assert (short.notice_working_days, short.required_working_days) == (14, 15)
    assert short.earliest_leave_on == date(2026, 10, 20)
    assert short.planner_id == 5


def test_pds11_exit_request_with_15_working_days_notice_is_accepted(pingdingshan: Profile) -> None:
    assert exit_notice_shortfall(_request(date(2026, 9, 22), date(2026, 10, 20)), pingdingshan) is None


def test_pds11_chongqing_sets_no_exit_notice_so_never_alerts(chongqing: Profile) -> None:
    assert chongqing.exit_notice_working_days is None
    assert exit_notice_shortfall(_request(date(2026, 9, 22), date(2026, 9, 23)), chongqing) is None


def test_pds4_pool_notice_of_5_working_days_spans_the_national_day_holiday(pingdingshan: Profile) -> None:
    # From Mon 28 Sep: 28, 29, 30 Sep, then 8 and 9 Oct after the holiday.
    start = date(2026, 9, 28)
    assert notice_period_working_days(start, date(2026, 10, 8)) == 4
    assert not pool_notice_complete(start, date(2026, 10, 8), pingdingshan)
    assert pool_notice_complete(start, date(2026, 10, 9), pingdingshan)
    assert earliest_notice_end(start, 5) == date(2026, 10, 9)


def test_pds4_an_adjusted_working_saturday_counts_in_the_notice(pingdingshan: Profile) -> None:
    # Thu 8, Fri 9, Sat 10 (adjusted), Mon 12, Tue 13 October.
    assert earliest_notice_end(date(2026, 10, 8), 5) == date(2026, 10, 13)
    assert notice_period_working_days(date(2026, 10, 8), date(2026, 10, 13)) == 5


def test_pds4_chongqing_has_no_pool_notice_rule(chongqing: Profile) -> None:
    day = date(2026, 10, 8)
    assert pool_notice_complete(day, day - timedelta(days=1), chongqing)
