"""Who served, and when: the one place the allowance learns which service periods (terms) a planner had.

Today a term is read from the planner's profile (``planner_profiles.term_start``, the profile's
``term_years``) and the districts from the user's district links; an exit request (PDS-11) whose leave
date falls inside the term ends the service early, on the day before it. When dispatch and term records
exist, this function reads them instead and nothing else changes.

A term belongs to the settlement period in which its service *ended* (PDS-9 pays "at the end of each service
period"), so each term is settled once, whatever the periods' lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.alerts import term_last_day
from server.core.auth import PLANNER
from server.core.models import User, UserDistrict, exit_requests, planner_profiles, table_of

_users, _links = table_of(User), table_of(UserDistrict)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ServedTerm:
    planner_id: int
    name: str
    district_ids: tuple[int, ...]
    #: The term's first and last day by the profile.
    term_first: date
    term_last: date
    #: The last day actually served: the term's last day, or the day before an exit request's leave date.
    served_last: date

    @property
    def full(self) -> bool:
        return self.served_last >= self.term_last

    @property
    def days_served(self) -> int:
        return (self.served_last - self.term_first).days + 1


@dataclass(frozen=True)
class UnknownTerm:
    """A planner serving a district whose term the records do not give, so no period can list them."""

    planner_id: int
    name: str
    district_ids: tuple[int, ...]


async def served_terms(
    conn: AsyncConnection, term_years: int, first: date, last: date
) -> tuple[list[ServedTerm], list[UnknownTerm]]:
    """The terms whose service ended between ``first`` and ``last`` (both included), by planner id; and the
    planners with a district but no recorded term start."""
    rows = (
        await conn.execute(
            sa.select(_users.c.id, _users.c.display_name, planner_profiles.c.term_start)
            .select_from(_users.outerjoin(planner_profiles, planner_profiles.c.user_id == _users.c.id))
            .where(_users.c.role == PLANNER)
            .order_by(_users.c.id)
        )
    ).all()
    links: dict[int, list[int]] = {}
    for link in await conn.execute(
        sa.select(_links.c.user_id, _links.c.district_id).order_by(_links.c.district_id)
    ):
        links.setdefault(link.user_id, []).append(link.district_id)
    leaves: dict[int, list[date]] = {}
    for e in await conn.execute(sa.select(exit_requests.c.planner_id, exit_requests.c.leave_on)):
        leaves.setdefault(e.planner_id, []).append(e.leave_on)
    terms: list[ServedTerm] = []
    unknown: list[UnknownTerm] = []
    for r in rows:
        districts = tuple(links.get(r.id, ()))
        if r.term_start is None:
            if districts:
                unknown.append(UnknownTerm(r.id, r.display_name, districts))
            continue
        term_last = term_last_day(r.term_start, term_years)
        early = [d for d in leaves.get(r.id, ()) if r.term_start < d <= term_last]
        served_last = min(early) - _ONE_DAY if early else term_last
        if first <= served_last <= last:
            terms.append(ServedTerm(r.id, r.display_name, districts, r.term_start, term_last, served_last))
    return terms, unknown
