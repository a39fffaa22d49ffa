"""Chinese working days (PDS-4, PDS-11), from the ``holidays`` library's China calendar.

A working day is a weekday that is not a public holiday or a day off moved by the State Council's
schedule, or a weekend day the schedule turns into a working day (调休上班, e.g. Saturday 10 October 2026).
The library carries the published schedules; for years not yet published it knows only the fixed holidays.

Counting conventions:

* `working_days_between` (a notice given *ahead of* a date, PDS-11) follows Civil Code art. 201: the day
  of filing is not counted, counting starts the next day and includes the target day. It equals
  ``(b - a).days`` when every day is a working day.
* `notice_period_working_days` (a public notice *running from* one date to another, PDS-4) counts both
  the first and the last day, as a notice states its period "from ... to ...".
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _calendar() -> holidays.HolidayBase:
    return holidays.country_holidays("CN")


def is_working_day(day: date) -> bool:
    cal = _calendar()
    # Membership loads the day's year, which also fills in that year's adjusted working weekends.
    is_holiday = day in cal
    if day.weekday() >= 5:
        return day in cal.weekend_workdays
    return not is_holiday


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    if b < a:
        return -working_days_between(b, a)
    return sum(is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))


def add_working_days(start: date, n: int) -> date:
    """The day that is ``n`` working days after ``start`` (``n`` >= 0; 0 returns ``start``)."""
    if n < 0:
        raise ValueError("n: must be 0 or more")
    day = start
    while n:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def notice_period_working_days(first_day: date, last_day: date) -> int:
    """Working days in a notice period, both ends included (0 when ``last_day`` precedes ``first_day``)."""
    if last_day < first_day:
        return 0
    return working_days_between(first_day - timedelta(days=1), last_day)


def earliest_notice_end(first_day: date, working_days: int) -> date:
    """The first day on which a notice starting ``first_day`` has lasted ``working_days`` working days."""
    return add_working_days(first_day - timedelta(days=1), working_days)
