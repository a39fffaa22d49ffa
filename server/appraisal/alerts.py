"""Alerts for coordinators: behind pace (CQ-5), absence warning (CQ-11), term ending (PDS-10), short exit
notice (PDS-11). Each is an `Alert` with a code, the planner, the rule ID and the numbers for its message.

Pace formula (`pace`): with target T visits a year and d the number of days of the local year elapsed
*including today*, out of D days in the year, the visits expected by now are ``floor(T * d / D)``. A planner
with C counted visits (confirmed, checked out, started this year) is "on track" when C >= expected and
"behind by expected - C" otherwise. Flooring means nobody is behind before a whole visit is due: with
T = 10, the first visit is due by 6 February (37/365 * 10 = 1.01), and all ten by 31 December.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Literal

from server.appraisal.attendance import planner_absence_warning
from server.appraisal.model import Attendance, Planner, Visit, counted_visits
from server.people.exits import SHORT_EXIT_NOTICE, ExitRequest, exit_notice_params
from shared.profiles import Profile
from shared.rules import DEFAULT_TZ

BEHIND_PACE: Final = "behind_pace"
ABSENCE_WARNING: Final = "absence_warning"
TERM_ENDING: Final = "term_ending"


@dataclass(frozen=True)
class Alert:
    code: str
    planner_id: int
    rule_id: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pace:
    year: int
    target: int | None
    confirmed: int
    expected: int
    status: Literal["on_track", "behind", "no_target"]
    behind_by: int
    visit_ids: tuple[str, ...]


def pace(visits: Iterable[Visit], profile: Profile, today: date, tz: str = DEFAULT_TZ) -> Pace:
    """Counted visits of ``today``'s year against the target prorated to ``today`` (see module doc)."""
    counted = counted_visits(visits, today.year, tz)
    return pace_of(len(counted), profile, today, tuple(v.id for v in counted))


def pace_of(confirmed: int, profile: Profile, today: date, visit_ids: tuple[str, ...] = ()) -> Pace:
    """CQ-5: ``confirmed`` visits of ``today``'s year against the target prorated to ``today``."""
    target = profile.visit_target
    if target is None:
        return Pace(today.year, None, confirmed, 0, "no_target", 0, visit_ids)
    elapsed = (today - date(today.year, 1, 1)).days + 1
    in_year = (date(today.year + 1, 1, 1) - date(today.year, 1, 1)).days
    expected = target * elapsed // in_year
    behind = max(0, expected - confirmed)
    status: Literal["on_track", "behind"] = "behind" if behind else "on_track"
    return Pace(today.year, target, confirmed, expected, status, behind, visit_ids)


def term_last_day(start: date, years: int) -> date:
    """The last day of a term of ``years`` starting ``start`` (one from 29 February ends on 28 February)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def planner_alerts(
    planner: Planner,
    profile: Profile,
    today: date,
    visits: Iterable[Visit] = (),
    attendance: Iterable[Attendance] = (),
    exit_requests: Iterable[ExitRequest] = (),
    tz: str = DEFAULT_TZ,
    counted: Pace | None = None,
) -> list[Alert]:
    """Every alert for one planner on ``today``; inputs of other planners are ignored.

    ``counted`` is the planner's pace when the caller counted the visits itself (the dashboard counts them
    in SQL); otherwise the pace is computed from ``visits``.
    """
    alerts: list[Alert] = []
    p = counted or pace((v for v in visits if v.planner_id == planner.id), profile, today, tz)
    if p.status == "behind":
        alerts.append(
            Alert(
                BEHIND_PACE,
                planner.id,
                "CQ-5",
                {
                    "year": p.year,
                    "confirmed": p.confirmed,
                    "expected": p.expected,
                    "target": p.target,
                    "behind_by": p.behind_by,
                },
            )
        )
    warning = planner_absence_warning(
        (a for a in attendance if a.planner_id == planner.id), today.year, profile
    )
    if warning is not None:
        alerts.append(
            Alert(
                ABSENCE_WARNING,
                planner.id,
                "CQ-11",
                {
                    "year": today.year,
                    "reason": warning.reason,
                    "count": warning.count,
                    "limit": warning.limit,
                },
            )
        )
    # PDS-10 asks for the appraisal before the term ends; the profile says how many days ahead to warn.
    warn = profile.term_warning_days
    if profile.term_years is not None and planner.term_start is not None and warn is not None:
        last = term_last_day(planner.term_start, profile.term_years)
        days_left = (last - today).days
        if 0 <= days_left <= warn:
            alerts.append(
                Alert(
                    TERM_ENDING, planner.id, "PDS-10", {"term_end": last.isoformat(), "days_left": days_left}
                )
            )
    for request in exit_requests:
        if request.planner_id != planner.id:
            continue
        params = exit_notice_params(request, profile)
        if params is not None:
            alerts.append(Alert(SHORT_EXIT_NOTICE, planner.id, "PDS-11", params))
    return alerts


def all_alerts(
    planners: Iterable[Planner],
    profile: Profile,
    today: date,
    visits: Iterable[Visit] = (),
    attendance: Iterable[Attendance] = (),
    exit_requests: Iterable[ExitRequest] = (),
    tz: str = DEFAULT_TZ,
) -> list[Alert]:
    """`planner_alerts` for each planner, in planner order."""
    visits, attendance, exit_requests = list(visits), list(attendance), list(exit_requests)
    return [
        a for p in planners for a in planner_alerts(p, profile, today, visits, attendance, exit_requests, tz)
    ]
