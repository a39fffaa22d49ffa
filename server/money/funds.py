"""CQ-6: the work funds the municipal bureau gives each planner by performance, recorded per planner and year
beside the appraisal's final grade (CQ-9), so the two are read together. The policy sets no amounts: the
bureau enters each one. Only profiles with ``work_funds`` (Chongqing) keep them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.appraisal.data import load_planners
from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import BUREAU, PLANNER, CurrentUser
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, forbidden
from server.core.models import final_grades, work_funds
from server.core.parsing import body_object
from server.core.settings import Settings
from server.money.amounts import fen_text, parse_amount


def _require_funds(settings: Settings) -> None:
    if not settings.profile.work_funds:
        raise ApiError(
            409,
            "work_funds",
            f"the {settings.profile.name} profile keeps no work funds (CQ-6 is Chongqing's)",
        )


async def year_funds(db: Database, settings: Settings, user: CurrentUser, year: int) -> dict[str, Any]:
    """Every appraised planner's work funds of ``year`` beside their final grade; a planner sees their own."""
    _require_funds(settings)
    if user.role != PLANNER and not user.sees_all:
        raise forbidden("role", "needs one of the roles planner, coordinator, admin")
    async with db.read() as conn:
        planners = await load_planners(conn)
        grades = {
            r.planner_id: r.grade
            for r in await conn.execute(sa.select(final_grades).where(final_grades.c.year == year))
        }
        funds = {
            r.planner_id: r
            for r in await conn.execute(sa.select(work_funds).where(work_funds.c.year == year))
        }
    rows: list[dict[str, Any]] = []
    for p in planners:
        if user.role == PLANNER and p.id != user.id:
            continue
        f = funds.get(p.id)
        rows.append(
            {
                "planner_id": p.id,
                "display_name": p.name,
                "district_id": p.district_id,
                "district_name": p.district_name,
                "final_grade": grades.get(p.id),
                "amount": fen_text(f.amount_fen) if f else None,
                "amount_fen": f.amount_fen if f else None,
                "note": f.note if f else None,
                "set_by": f.set_by if f else None,
                "set_at": f.set_at.isoformat() if f else None,
            }
        )
    total = sum(r["amount_fen"] or 0 for r in rows)
    return {"year": year, "planners": rows, "total": fen_text(total), "total_fen": total}


async def set_funds(
    db: Database, settings: Settings, user: CurrentUser, year: int, body: Any
) -> dict[str, Any]:
    """Set (null removes) work funds: ``{"funds": {planner_id: {"amount": "3000.00", "note": ...}}}``."""
    _require_funds(settings)
    require_role(user, *BUREAU)
    body = body_object(body)
    given = body.get("funds")
    if not isinstance(given, dict) or not given:
        raise bad_request("funds", 'must be an object {planner_id: {"amount": "3000.00", "note": "..."}}')
    wanted: dict[int, tuple[int, str | None] | None] = {}
    for key, entry in given.items():
        field = f"funds.{key}"
        if not key.isdigit():
            raise bad_request(field, "is not a planner id")
        if entry is None:
            wanted[int(key)] = None
            continue
        if not isinstance(entry, dict):
            raise bad_request(field, 'must be {"amount": "3000.00", "note": "..."} or null')
        extra = sorted(set(entry) - {"amount", "note"})
        if extra:
            raise bad_request(f"{field}.{extra[0]}", "is not a field of work funds (amount, note)")
        fen = parse_amount(entry.get("amount"), f"{field}.amount", allow_zero=True)
        note = entry.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 2000 or "\x00" in note):
            raise bad_request(f"{field}.note", "must be text of at most 2000 characters")
        wanted[int(key)] = (fen, note.strip() if isinstance(note, str) and note.strip() else None)
    now = utcnow()
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        appraised = {p.id for p in await load_planners(conn)}
        for pid in wanted:
            if pid not in appraised:
                raise ApiError(422, f"funds.{pid}", "is not a serving planner")
        before = {
            str(r.planner_id): fen_text(r.amount_fen)
            for r in await conn.execute(
                sa.select(work_funds).where(
                    work_funds.c.year == year, work_funds.c.planner_id.in_(sorted(wanted))
                )
            )
        }
        for pid, value in wanted.items():
            await conn.execute(
                work_funds.delete().where(work_funds.c.year == year, work_funds.c.planner_id == pid)
            )
            if value is not None:
                await conn.execute(
                    work_funds.insert().values(
                        year=year,
                        planner_id=pid,
                        amount_fen=value[0],
                        note=value[1],
                        set_by=user.id,
                        set_at=now,
                    )
                )
        after = {str(pid): fen_text(v[0]) if v else None for pid, v in wanted.items()}
        await audit(
            conn, user.id, "work_funds.set", "work_funds", str(year), {"funds": before}, {"funds": after}
        )
    return await year_funds(db, settings, user, year)
