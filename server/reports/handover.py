"""CQ-8's hand-overs of the periodic report, recorded as steps with their dates and who recorded them:
each district's bureau submits its consultation-service record to the municipal bureau, and the municipal
bureau forwards its summary to the HR bureau (CQ-1: the HR bureau runs the scheme jointly; the profile
names it in ``hr_bureau``). fieldlog gives the HR bureau no account: what it receives is recorded here.

A period is the ``period``-th of the year, of `Settings.period_months` months. Recording a step again
replaces it (the audit log keeps the earlier one). The forward keeps which districts had submitted by then.
Tables ``report_submissions`` and ``report_forwards``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import district_names, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, CurrentUser
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, forbidden, not_found
from server.core.models import report_forwards, report_submissions
from server.core.parsing import body_object, parse_date, parse_text
from server.core.settings import Settings
from server.reports.writers import period_bounds, period_label, periods_in_year


def check_period(settings: Settings, year: int, period: int) -> int:
    """The months of the period; 400 naming ``year`` or ``period`` when there is no such period."""
    if not 2000 <= year <= 2100:
        raise bad_request("year", "must be between 2000 and 2100")
    months = settings.period_months
    count = periods_in_year(months)
    if not 1 <= period <= count:
        raise bad_request("period", f"must be between 1 and {count} (periods of {months} months)")
    return months


def _key(year: int, months: int, period: int, table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.year == year, table.c.period_months == months, table.c.period == period)


def _submission_json(r: Any) -> dict[str, Any]:
    return {
        "district_id": r.district_id,
        "submitted_on": r.submitted_on.isoformat(),
        "note": r.note,
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at.isoformat(),
    }


def _forward_json(r: Any) -> dict[str, Any]:
    return {
        "recipient": r.recipient,
        "forwarded_on": r.forwarded_on.isoformat(),
        "district_ids": list(r.district_ids),
        "note": r.note,
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at.isoformat(),
    }


async def _status(
    conn: AsyncConnection, settings: Settings, user: CurrentUser, year: int, period: int, months: int
) -> dict[str, Any]:
    names = await district_names(conn)
    subs = {
        r.district_id: _submission_json(r)
        for r in await conn.execute(
            sa.select(report_submissions).where(_key(year, months, period, report_submissions))
        )
    }
    fwd = (
        await conn.execute(sa.select(report_forwards).where(_key(year, months, period, report_forwards)))
    ).one_or_none()
    ids = sorted(names) if user.sees_all else sorted(d for d in names if d in user.district_ids)
    start, end = period_bounds(year, period, months)
    return {
        "year": year,
        "period": period,
        "period_months": months,
        "label": f"{year}年{period_label(period, months)}",
        "starts_on": start.isoformat(),
        "ends_before": end.isoformat(),
        "hr_bureau": settings.profile.hr_bureau,
        "districts": [{"district_id": d, "district_name": names[d], "submission": subs.get(d)} for d in ids],
        "forward": _forward_json(fwd) if fwd is not None and user.sees_all else None,
    }


async def period_status(
    db: Database, settings: Settings, user: CurrentUser, year: int, period: int
) -> dict[str, Any]:
    """CQ-8: which districts submitted the period's record, and whether it went on to the HR bureau."""
    require_role(user, DISTRICT, *BUREAU)
    months = check_period(settings, year, period)
    async with db.read() as conn:
        return await _status(conn, settings, user, year, period, months)


def _day(settings: Settings, body: dict[str, Any], field: str) -> Any:
    day = parse_date(body.get(field), field)
    assert day is not None
    if day > datetime.now(ZoneInfo(settings.tz)).date():
        raise bad_request(field, "is in the future")
    return day


async def record_submission(
    db: Database, settings: Settings, user: CurrentUser, year: int, period: int, district_id: int, body: Any
) -> dict[str, Any]:
    """CQ-8: the district's staff record that its record of the period went to the municipal bureau."""
    require_role(user, DISTRICT)
    months = check_period(settings, year, period)
    body = body_object(body)
    submitted_on = _day(settings, body, "submitted_on")
    note = parse_text(body, "note", required=False, max_len=2000)
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        if district_id not in await district_names(conn):
            raise not_found("district_id", "no such district")
        if district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you work for")
        where = sa.and_(
            _key(year, months, period, report_submissions), report_submissions.c.district_id == district_id
        )
        old = (await conn.execute(sa.select(report_submissions).where(where))).one_or_none()
        await conn.execute(report_submissions.delete().where(where))
        await conn.execute(
            report_submissions.insert().values(
                year=year,
                period_months=months,
                period=period,
                district_id=district_id,
                submitted_on=submitted_on,
                note=note,
                recorded_by=user.id,
                recorded_at=utcnow(),
            )
        )
        new = (await conn.execute(sa.select(report_submissions).where(where))).one()
        await audit(
            conn,
            user.id,
            "report.submit",
            "report_period",
            f"{year}:{months}:{period}:{district_id}",
            None if old is None else _submission_json(old),
            _submission_json(new),
        )
        return await _status(conn, settings, user, year, period, months)


async def record_forward(
    db: Database, settings: Settings, user: CurrentUser, year: int, period: int, body: Any
) -> dict[str, Any]:
    """CQ-8, CQ-1: the bureau records that the period's summary went to the HR bureau."""
    require_role(user, *BUREAU)
    hr = settings.profile.hr_bureau
    if hr is None:
        raise ApiError(
            409, "hr_bureau", f"the {settings.profile.name} profile reports to no HR bureau (CQ-8)"
        )
    months = check_period(settings, year, period)
    body = body_object(body)
    forwarded_on = _day(settings, body, "forwarded_on")
    note = parse_text(body, "note", required=False, max_len=2000)
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        submitted = sorted(
            (
                await conn.execute(
                    sa.select(report_submissions.c.district_id).where(
                        _key(year, months, period, report_submissions)
                    )
                )
            ).scalars()
        )
        where = _key(year, months, period, report_forwards)
        old = (await conn.execute(sa.select(report_forwards).where(where))).one_or_none()
        await conn.execute(report_forwards.delete().where(where))
        await conn.execute(
            report_forwards.insert().values(
                year=year,
                period_months=months,
                period=period,
                recipient=hr,
                forwarded_on=forwarded_on,
                district_ids=submitted,
                note=note,
                recorded_by=user.id,
                recorded_at=utcnow(),
            )
        )
        new = (await conn.execute(sa.select(report_forwards).where(where))).one()
        await audit(
            conn,
            user.id,
            "report.forward",
            "report_period",
            f"{year}:{months}:{period}",
            None if old is None else _forward_json(old),
            _forward_json(new),
        )
        return await _status(conn, settings, user, year, period, months)
