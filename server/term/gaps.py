"""Days a district goes without a planner (PDS-11: "so the service does not break").

A district needs a planner from the day it first filed a request; from then on, every day on which none of
its dispatches was serving (from its first day to its last day of service, or still serving) is a day of
gap. A district that never filed a request has no gap to count. Pure: the service reads the dispatches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Gap:
    #: Days without a planner in the period (from the first request on).
    days: int
    #: The spans without a planner, first day and last day, in order.
    spans: tuple[tuple[date, date], ...]
    #: Days since the last planner left, when the district has none on the period's last day.
    current: int | None


def district_gap(
    served: Iterable[tuple[date, date | None]], needed_from: date | None, start: date, end: date
) -> Gap:
    """The gap in ``[start, end]`` given serving spans ``(first day, last day or None)``."""
    if needed_from is None or needed_from > end:
        return Gap(0, (), None)
    first = max(start, needed_from)
    covered: set[date] = set()
    # Two services may start on one day, one still running (no last day): order those by start alone.
    spans = sorted(served, key=lambda s: (s[0], s[1] or date.max))
    for a, b in spans:
        day, last = max(a, first), min(b or end, end)
        while day <= last:
            covered.add(day)
            day += timedelta(days=1)
    out: list[tuple[date, date]] = []
    day, run_start = first, None
    while day <= end:
        if day not in covered:
            run_start = run_start or day
        elif run_start is not None:
            out.append((run_start, day - timedelta(days=1)))
            run_start = None
        day += timedelta(days=1)
    if run_start is not None:
        out.append((run_start, end))
    total = sum((b - a).days + 1 for a, b in out)
    current = None
    if out and out[-1][1] == end:
        # The open gap counts from the day after the last service ended, even before the period.
        ended = [b for a, b in spans if b is not None and a <= end and b < end]
        since = max([needed_from - timedelta(days=1), *ended]) + timedelta(days=1)
        current = (end - since).days + 1
    return Gap(total, tuple(out), current)
