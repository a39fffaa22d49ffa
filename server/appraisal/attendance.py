"""CQ-11 over attendance records: per planner and year, via shared.rules.absence_warning.

A profile without absence thresholds (pingdingshan) never warns. The warning only tells the coordinator
that the planner may be dismissed; the coordinator decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from server.appraisal.model import Attendance
from shared.profiles import Profile
from shared.rules import AbsenceWarning, absence_warning


def planner_absence_warning(
    records: Iterable[Attendance], year: int, profile: Profile
) -> AbsenceWarning | None:
    """CQ-11 for one planner's attendance records (records of other years are ignored)."""
    return absence_warning(
        [(r.on, r.status) for r in records],
        year,
        profile.absence_consecutive_limit,
        profile.absence_yearly_limit,
    )


def absence_warnings(records: Iterable[Attendance], year: int, profile: Profile) -> dict[int, AbsenceWarning]:
    """CQ-11 for every planner in ``records``: planner id -> warning, only for planners who get one."""
    by_planner: dict[int, list[Attendance]] = defaultdict(list)
    for r in records:
        by_planner[r.planner_id].append(r)
    warnings = {pid: planner_absence_warning(rs, year, profile) for pid, rs in sorted(by_planner.items())}
    return {pid: w for pid, w in warnings.items() if w is not None}
