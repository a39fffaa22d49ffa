"""Where a candidate stands in the pool, computed when read (PDS-4, CQ-7): no background job moves anyone.

Stored is the last step a person took (``stage``: applied, rejected, approved, in_notice, cancelled,
member, removed, dismissed). A candidate whose public notice has run out is a member from the day after
the notice ends (PDS-4), unless an objection is still being checked; a valid objection is a step a person
records, which cancels the entry (stage ``cancelled``). An objection found not valid after the notice ended
lets the candidate in on the day it was decided. A profile without a notice (chongqing) makes the candidate
a member on the day the review approved them.

Computing entry when read, rather than by a step someone must remember, keeps the pool right on any day,
and the entry date is a function of what was recorded (the notice and the objections), so it is the same
whenever it is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from server.core.workdays import earliest_notice_end
from server.people.pool import pool_notice_complete
from shared.profiles import Profile

OPEN, UPHELD, DISMISSED = "open", "upheld", "dismissed"


@dataclass(frozen=True)
class Objection:
    status: str
    #: The day it was decided (None while open).
    decided_on: date | None = None


@dataclass(frozen=True)
class Standing:
    status: str
    #: The first day in the pool; None when the candidate has not entered (yet).
    member_since: date | None
    #: An objection is being checked: entry waits for it.
    objection_open: bool = False


def notice_end(starts_on: date, profile: Profile) -> date | None:
    """PDS-4: the earliest last day of a notice starting ``starts_on`` (None when the profile sets none)."""
    days = profile.pool_notice_working_days
    return None if days is None else earliest_notice_end(starts_on, days)


def notice_long_enough(starts_on: date, ends_on: date, profile: Profile) -> bool:
    """PDS-4: a notice from ``starts_on`` to ``ends_on`` runs at least the profile's working days."""
    return pool_notice_complete(starts_on, ends_on, profile)


def entry_day(notice_ends_on: date, objections: Iterable[Objection]) -> date:
    """The first day in the pool after a notice without a valid objection (PDS-4)."""
    day = notice_ends_on + timedelta(days=1)
    for o in objections:
        if o.status == DISMISSED and o.decided_on is not None and o.decided_on > day:
            day = o.decided_on
    return day


def standing(
    stage: str,
    today: date,
    reviewed_on: date | None = None,
    notice_ends_on: date | None = None,
    objections: Iterable[Objection] = (),
) -> Standing:
    """The candidate's status on ``today`` and the day they entered the pool (see the module docstring)."""
    objections = list(objections)
    entered: date | None = None
    waiting = any(o.status == OPEN for o in objections)
    upheld = any(o.status == UPHELD for o in objections)
    if notice_ends_on is not None:
        if not upheld and not waiting and today > notice_ends_on:
            entered = min(entry_day(notice_ends_on, objections), today)
    elif stage in ("member", "removed", "dismissed"):
        entered = reviewed_on
    if stage == "in_notice":
        if entered is not None:
            return Standing("member", entered)
        return Standing("in_notice", None, waiting)
    return Standing(stage, entered, waiting)
