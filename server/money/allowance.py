"""PDS-9's allowance: transport and communication costs, ``allowance_cny_per_year`` per planner and year
(5,000 CNY in Pingdingshan), paid by the bureau at the end of each service period.

A settlement period is a window of days the bureau settles at once (a month, a quarter, a year). Its list
holds every term whose service ended in the window (`server.money.served`), each settled once:

* a full term is due ``allowance × term_years`` (5,000 CNY for Pingdingshan's one-year term): ``full_term``;
* a term served shorter (left early) is a case the policy does not settle: ``short_term``, shown flagged with
  no amount until a person enters one with a reason. fieldlog invents no pro-rata rule.

A line is paid when the bureau marks it (who and when are kept); it needs an amount first, and a paid line's
amount cannot change until the mark is taken back. The list can be refreshed while the period is open: terms
that now end in it are added and the lines nobody has touched (no amount entered, not paid) are recomputed;
a line a person touched is never changed by a refresh.

Tables ``allowance_periods`` (with the yearly amount of the profile when it was made) and
``allowance_lines`` (one per planner and period; a term is in one period only).
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import district_names, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, PLANNER, CurrentUser
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, forbidden, not_found
from server.core.models import User, allowance_lines, allowance_periods, table_of
from server.core.parsing import body_object, parse_date, parse_text
from server.money.amounts import fen_text, parse_amount, yuan_to_fen
from server.money.served import ServedTerm, served_terms
from shared.profiles import Profile

FULL_TERM: Final = "full_term"
SHORT_TERM: Final = "short_term"
#: The longest settlement period, so a mistyped year cannot list every term ever served.
MAX_PERIOD_DAYS: Final = 731

_users = table_of(User)
_periods, _lines = allowance_periods, allowance_lines


def rule_amount(term: ServedTerm, yearly_fen: int, term_years: int) -> tuple[str, int | None]:
    """PDS-9 for one term: (basis, fen due by the rule); None when the policy does not settle it."""
    if term.full:
        return FULL_TERM, yearly_fen * term_years
    return SHORT_TERM, None


def _require_allowance(profile: Profile) -> tuple[int, int]:
    """The profile's yearly allowance in fen and its term in years; 409 when it has no PDS-9 allowance."""
    if profile.allowance_cny_per_year is None:
        raise ApiError(
            409,
            "allowance_cny_per_year",
            f"the {profile.name} profile pays no allowance (PDS-9 is Pingdingshan's)",
        )
    if profile.term_years is None:
        raise ApiError(409, "term_years", f"the {profile.name} profile sets no term to settle")
    return yuan_to_fen(profile.allowance_cny_per_year), profile.term_years


def _line_json(r: Any, names: dict[int, str], districts: dict[int, str]) -> dict[str, Any]:
    amount = r.amount_fen if r.amount_fen is not None else r.rule_fen
    return {
        "planner_id": r.planner_id,
        "display_name": names.get(r.planner_id, ""),
        "district_ids": list(r.district_ids),
        "district_names": [districts.get(d, "") for d in r.district_ids],
        "term_first": r.term_first.isoformat(),
        "term_last": r.term_last.isoformat(),
        "served_last": r.served_last.isoformat(),
        "days_served": (r.served_last - r.term_first).days + 1,
        "basis": r.basis,
        #: True while the line needs a person: a short term with no amount entered.
        "flagged": amount is None,
        "rule_amount": fen_text(r.rule_fen),
        "amount": fen_text(amount),
        "amount_fen": amount,
        "amount_reason": r.amount_reason,
        "amount_set_by": r.amount_set_by,
        "amount_set_by_name": names.get(r.amount_set_by) if r.amount_set_by else None,
        "amount_set_at": r.amount_set_at.isoformat() if r.amount_set_at else None,
        "paid": r.paid,
        "paid_by": r.paid_by,
        "paid_by_name": names.get(r.paid_by) if r.paid_by else None,
        "paid_at": r.paid_at.isoformat() if r.paid_at else None,
    }


def _period_json(p: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    due = sum(x["amount_fen"] or 0 for x in lines)
    paid = sum(x["amount_fen"] or 0 for x in lines if x["paid"])
    return {
        "id": p.id,
        "name": p.name,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "yearly_amount": fen_text(p.yearly_fen),
        "yearly_fen": p.yearly_fen,
        "created_by": p.created_by,
        "created_at": p.created_at.isoformat(),
        "totals": {
            "lines": len(lines),
            "flagged": sum(x["flagged"] for x in lines),
            "paid_lines": sum(x["paid"] for x in lines),
            "due": fen_text(due),
            "due_fen": due,
            "paid": fen_text(paid),
            "paid_fen": paid,
            "unpaid": fen_text(due - paid),
        },
    }


async def _names(conn: AsyncConnection) -> dict[int, str]:
    return {r.id: r.display_name for r in await conn.execute(sa.select(_users.c.id, _users.c.display_name))}


async def _period_row(conn: AsyncConnection, period_id: int) -> Any:
    row = (await conn.execute(sa.select(_periods).where(_periods.c.id == period_id))).one_or_none()
    if row is None:
        raise not_found("period_id", "no such settlement period")
    return row


async def _lines_of(conn: AsyncConnection, period_id: int, planner_id: int | None = None) -> list[Any]:
    q = sa.select(_lines).where(_lines.c.period_id == period_id).order_by(_lines.c.planner_id)
    if planner_id is not None:
        q = q.where(_lines.c.planner_id == planner_id)
    return list((await conn.execute(q)).all())


async def period_detail(conn: AsyncConnection, period_id: int, profile: Profile) -> dict[str, Any]:
    """A period with its lines, totals, and the planners whose term is unknown (they cannot be listed)."""
    p = await _period_row(conn, period_id)
    names, districts = await _names(conn), await district_names(conn)
    lines = [_line_json(r, names, districts) for r in await _lines_of(conn, period_id)]
    out = _period_json(p, lines)
    out["lines"] = lines
    _, unknown = await served_terms(conn, profile.term_years or 1, p.starts_on, p.ends_on)
    out["unknown_terms"] = [
        {"planner_id": u.planner_id, "display_name": u.name, "district_ids": list(u.district_ids)}
        for u in unknown
    ]
    return out


async def _settle(conn: AsyncConnection, p: Any, term_years: int) -> dict[str, list[int]]:
    """Bring the period's lines up to date with the terms (see the module doc); what changed, by planner."""
    terms, _ = await served_terms(conn, term_years, p.starts_on, p.ends_on)
    mine = {r.planner_id: r for r in await _lines_of(conn, p.id)}
    elsewhere = {
        (r.planner_id, r.term_first)
        for r in await conn.execute(
            sa.select(_lines.c.planner_id, _lines.c.term_first).where(_lines.c.period_id != p.id)
        )
    }
    changed: dict[str, list[int]] = {"added": [], "recomputed": [], "dropped": [], "settled_elsewhere": []}
    wanted: set[int] = set()
    for t in terms:
        if (t.planner_id, t.term_first) in elsewhere:
            changed["settled_elsewhere"].append(t.planner_id)
            continue
        wanted.add(t.planner_id)
        basis, fen = rule_amount(t, p.yearly_fen, term_years)
        values = {
            "term_first": t.term_first,
            "term_last": t.term_last,
            "served_last": t.served_last,
            "district_ids": list(t.district_ids),
            "basis": basis,
            "rule_fen": fen,
        }
        old = mine.get(t.planner_id)
        if old is None:
            await conn.execute(
                _lines.insert().values(period_id=p.id, planner_id=t.planner_id, paid=False, **values)
            )
            changed["added"].append(t.planner_id)
        elif _untouched(old) and any(getattr(old, k) != v for k, v in values.items()):
            await conn.execute(
                _lines.update()
                .where(_lines.c.period_id == p.id, _lines.c.planner_id == t.planner_id)
                .values(**values)
            )
            changed["recomputed"].append(t.planner_id)
    for pid, old in mine.items():
        if pid not in wanted and _untouched(old):
            await conn.execute(_lines.delete().where(_lines.c.period_id == p.id, _lines.c.planner_id == pid))
            changed["dropped"].append(pid)
    return changed


def _untouched(line: Any) -> bool:
    return line.amount_fen is None and not line.paid


async def list_periods(db: Database, user: CurrentUser) -> dict[str, Any]:
    require_role(user, *BUREAU)
    async with db.read() as conn:
        names, districts = await _names(conn), await district_names(conn)
        periods = (
            await conn.execute(sa.select(_periods).order_by(_periods.c.starts_on, _periods.c.id))
        ).all()
        out = []
        for p in periods:
            lines = [_line_json(r, names, districts) for r in await _lines_of(conn, p.id)]
            out.append(_period_json(p, lines))
    return {"periods": out}


async def get_period(db: Database, profile: Profile, user: CurrentUser, period_id: int) -> dict[str, Any]:
    require_role(user, *BUREAU)
    async with db.read() as conn:
        return await period_detail(conn, period_id, profile)


async def create_period(db: Database, profile: Profile, user: CurrentUser, body: Any) -> dict[str, Any]:
    """PDS-9: a settlement period and its list (see the module doc)."""
    require_role(user, *BUREAU)
    yearly_fen, term_years = _require_allowance(profile)
    body = body_object(body)
    name = parse_text(body, "name", required=True, max_len=200)
    starts_on = parse_date(body.get("starts_on"), "starts_on")
    ends_on = parse_date(body.get("ends_on"), "ends_on")
    assert name is not None and starts_on is not None and ends_on is not None
    if ends_on < starts_on:
        raise bad_request("ends_on", "must be on or after starts_on")
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise bad_request("ends_on", f"a settlement period is at most {MAX_PERIOD_DAYS} days")
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        if (await conn.execute(sa.select(_periods.c.id).where(_periods.c.name == name))).first():
            raise ApiError(409, "name", f"a settlement period called {name!r} exists")
        overlap = (
            await conn.execute(
                sa.select(_periods.c.name).where(
                    _periods.c.starts_on <= ends_on, _periods.c.ends_on >= starts_on
                )
            )
        ).first()
        if overlap is not None:
            raise ApiError(409, "starts_on", f"the period overlaps {overlap.name!r}; a term is settled once")
        period_id = (
            await conn.execute(
                _periods.insert()
                .values(
                    name=name,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    yearly_fen=yearly_fen,
                    created_by=user.id,
                    created_at=utcnow(),
                )
                .returning(_periods.c.id)
            )
        ).scalar_one()
        p = await _period_row(conn, period_id)
        changed = await _settle(conn, p, term_years)
        result = await period_detail(conn, period_id, profile)
        await audit(
            conn,
            user.id,
            "allowance.period",
            "allowance_period",
            str(period_id),
            None,
            {"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), **changed},
        )
    return result


async def refresh_period(db: Database, profile: Profile, user: CurrentUser, period_id: int) -> dict[str, Any]:
    require_role(user, *BUREAU)
    _, term_years = _require_allowance(profile)
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        p = await _period_row(conn, period_id)
        changed = await _settle(conn, p, term_years)
        if any(changed[k] for k in ("added", "recomputed", "dropped")):
            await audit(conn, user.id, "allowance.refresh", "allowance_period", str(period_id), None, changed)
        return await period_detail(conn, period_id, profile)


def _raw_line(r: Any) -> dict[str, Any]:
    return {
        "amount": fen_text(r.amount_fen),
        "amount_reason": r.amount_reason,
        "paid": r.paid,
        "paid_by": r.paid_by,
        "paid_at": r.paid_at.isoformat() if r.paid_at else None,
    }


async def update_line(
    db: Database, profile: Profile, user: CurrentUser, period_id: int, planner_id: int, body: Any
) -> dict[str, Any]:
    """Enter a short term's amount with a reason, and/or mark the line paid or unpaid (the bureau)."""
    require_role(user, *BUREAU)
    body = body_object(body)
    unknown = sorted(set(body) - {"amount", "reason", "paid"})
    if unknown:
        raise bad_request(unknown[0], "is not a field of a settlement line (amount, reason, paid)")
    if not body:
        raise bad_request("body", "give amount and reason, or paid")
    values: dict[str, Any] = {}
    now = utcnow()
    if "amount" in body:
        if body["amount"] is None:
            values.update(amount_fen=None, amount_reason=None, amount_set_by=user.id, amount_set_at=now)
        else:
            fen = parse_amount(body["amount"], "amount", allow_zero=True)
            reason = parse_text(body, "reason", required=True, max_len=2000)
            values.update(amount_fen=fen, amount_reason=reason, amount_set_by=user.id, amount_set_at=now)
    elif "reason" in body:
        raise bad_request("amount", "is required with a reason")
    paid = body.get("paid")
    if "paid" in body and not isinstance(paid, bool):
        raise bad_request("paid", "must be true or false")
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        await _period_row(conn, period_id)
        [line] = await _lines_of(conn, period_id, planner_id) or [None]
        if line is None:
            raise not_found("planner_id", "the period lists no such planner")
        if "amount_fen" in values:
            if line.basis == FULL_TERM:
                raise ApiError(
                    409,
                    "amount",
                    f"a full term is due {fen_text(line.rule_fen)} CNY by PDS-9; nothing to enter",
                )
            if line.paid and paid is not False:
                raise ApiError(409, "paid", "the line is paid; mark it unpaid before changing its amount")
        amount = values.get("amount_fen", line.amount_fen)
        if amount is None:
            amount = line.rule_fen
        if paid is True and not line.paid:
            if amount is None:
                raise ApiError(
                    409, "amount", "the policy does not settle a short term: enter its amount first"
                )
            values.update(paid=True, paid_by=user.id, paid_at=now)
        elif paid is False and line.paid:
            values.update(paid=False, paid_by=None, paid_at=None)
        where = sa.and_(_lines.c.period_id == period_id, _lines.c.planner_id == planner_id)
        if values:
            await conn.execute(_lines.update().where(where).values(**values))
        after = (await conn.execute(sa.select(_lines).where(where))).one()
        if _raw_line(after) != _raw_line(line):
            await audit(
                conn,
                user.id,
                "allowance.line",
                "allowance_line",
                f"{period_id}:{planner_id}",
                _raw_line(line),
                _raw_line(after),
            )
        names, districts = await _names(conn), await district_names(conn)
        return _line_json(after, names, districts)


async def planner_allowance(db: Database, user: CurrentUser, planner_id: int) -> dict[str, Any]:
    """One planner's lines in every period: the planner themself, or the bureau."""
    if user.role == PLANNER:
        if user.id != planner_id:
            raise not_found("planner_id", "no such planner")
    elif not user.sees_all:
        raise forbidden("role", "needs one of the roles planner, coordinator, admin")
    async with db.read() as conn:
        names, districts = await _names(conn), await district_names(conn)
        rows = (
            await conn.execute(
                sa.select(_lines, _periods.c.name.label("period_name"))
                .join(_periods, _periods.c.id == _lines.c.period_id)
                .where(_lines.c.planner_id == planner_id)
                .order_by(_periods.c.starts_on)
            )
        ).all()
    return {
        "planner_id": planner_id,
        "lines": [
            {"period_id": r.period_id, "period_name": r.period_name, **_line_json(r, names, districts)}
            for r in rows
        ],
    }
