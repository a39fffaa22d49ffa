"""The policy rules as pure functions; tests carry the rule IDs of ../policy/RULES.md.

- working hours of a visit, and which visits count for a year (confirmed ones, by local start year);
- CQ-11: a dismissal warning after 3 unexcused absences in a row, or 5 in one calendar year;
- CQ-9: at most 30% of those appraised may be graded excellent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from fractions import Fraction
from typing import Final, Literal
from zoneinfo import ZoneInfo

from .records import parse_time

DEFAULT_TZ: Final = "Asia/Shanghai"

PENDING: Final = "pending"
CONFIRMED: Final = "confirmed"
REJECTED: Final = "rejected"
REVIEW_STATES: Final = (PENDING, CONFIRMED, REJECTED)

ATTENDED: Final = "attended"
EXCUSED: Final = "excused"
UNEXCUSED: Final = "unexcused"
ATTENDANCE: Final = (ATTENDED, EXCUSED, UNEXCUSED)

ADOPTED: Final = "adopted"
PARTLY: Final = "partly"
NOT_ADOPTED: Final = "not_adopted"

#: Whether the district took up a written opinion (PDS-2b "guide the design unit to revise", CQ-9 quality).
ADOPTION: Final = (ADOPTED, PARTLY, NOT_ADOPTED)


def visit_seconds(started_at: str, ended_at: str | None) -> int:
    """Whole seconds between check-in and check-out; an open visit has worked 0 seconds so far."""
    if ended_at is None:
        return 0
    return max(0, int((parse_time(ended_at) - parse_time(started_at)).total_seconds()))


def visit_hours(started_at: str, ended_at: str | None) -> float:
    """A visit's working hours, rounded to hundredths as shown and summed everywhere."""
    return hours(visit_seconds(started_at, ended_at))


def hours(seconds: int) -> float:
    """Seconds as hours to the hundredth, rounded half up in whole numbers.

    Integer arithmetic, not ``round(seconds / 3600, 2)``: binary floats and banker's rounding would let the
    phone, the reports and the SQL aggregates (``(duration_s * 100 + 1800) / 3600``) disagree on a tie.
    """
    return hours_from_hundredths((seconds * 100 + 1800) // 3600)


def hours_from_hundredths(hundredths: int) -> float:
    return hundredths / 100


def local_year(at: str | datetime, tz: str | tzinfo = DEFAULT_TZ) -> int:
    """The calendar year of an instant in the deployment's time zone (a visit belongs to its start year)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    moment = parse_time(at) if isinstance(at, str) else at
    return moment.astimezone(zone).year


def year_bounds(year: int, tz: str | tzinfo = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """The instants [start, end) of a local calendar year, for range queries on UTC columns."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def left_open_overnight(
    started_at: str | datetime, ended_at: str | datetime | None, now: datetime, tz: str = DEFAULT_TZ
) -> bool:
    """True when a visit crossed local midnight without a check-out, or was checked out on a later day.

    Such a visit is flagged for a person to look at; it is never counted silently. The times are ISO 8601
    text or aware datetimes.
    """
    zone = ZoneInfo(tz)
    start = parse_time(started_at) if isinstance(started_at, str) else started_at
    end = now if ended_at is None else parse_time(ended_at) if isinstance(ended_at, str) else ended_at
    return end.astimezone(zone).date() > start.astimezone(zone).date()


@dataclass(frozen=True)
class VisitFacts:
    started_at: str
    ended_at: str | None
    review: str


def counted_visits(visits: Iterable[VisitFacts], year: int, tz: str = DEFAULT_TZ) -> list[VisitFacts]:
    """The visits that count toward a year's target: confirmed, checked out, started in that local year."""
    return [
        v
        for v in visits
        if v.review == CONFIRMED and v.ended_at is not None and local_year(v.started_at, tz) == year
    ]


@dataclass(frozen=True)
class AbsenceWarning:
    """CQ-11: the planner may be dismissed; the coordinator decides."""

    reason: Literal["consecutive", "yearly"]
    count: int
    limit: int


def absence_warning(
    records: Sequence[tuple[date, str]],
    year: int,
    consecutive_limit: int | None,
    yearly_limit: int | None,
) -> AbsenceWarning | None:
    """CQ-11 on a planner's attendance records ``(activity date, attended|excused|unexcused)``.

    Only activities of ``year`` count. A run of unexcused absences is broken by any activity the
    planner attended *or* missed with an accepted excuse: only absences "without good reason" run on.
    The consecutive rule is checked first because it fires earlier in a year.
    """
    in_year = sorted((d, s) for d, s in records if d.year == year)
    run = best_run = total = 0
    for _, status in in_year:
        if status == UNEXCUSED:
            run += 1
            total += 1
            best_run = max(best_run, run)
        else:
            run = 0
    if consecutive_limit is not None and best_run >= consecutive_limit:
        return AbsenceWarning("consecutive", best_run, consecutive_limit)
    if yearly_limit is not None and total >= yearly_limit:
        return AbsenceWarning("yearly", total, yearly_limit)
    return None


def max_excellent(appraised: int, cap: float | None) -> int | None:
    """CQ-9: how many of ``appraised`` planners may be graded excellent; ``None`` when no cap is set.

    Rounding rule: round *down* (floor). "Not more than 30%" means the count may never exceed the share,
    so 10 planners allow 3, 9 allow 2 (2.7), and 3 allow 0 (0.9). The share is computed exactly
    (30% as the fraction 3/10), so no floating-point error can add or remove a slot.
    """
    if cap is None:
        return None
    return math.floor(appraised * Fraction(str(cap)))


def excellent_cap_allows(grades: Iterable[str | None], excellent: str, cap: float | None) -> bool:
    """CQ-9: True when the graded set keeps excellent within the cap of those appraised."""
    graded = list(grades)
    limit = max_excellent(len(graded), cap)
    return limit is None or sum(1 for g in graded if g == excellent) <= limit
