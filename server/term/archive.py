"""The personal archive (个人档案, PDS-4; CQ-9 "results go into the personal file") of one candidate: their
data and eligibility, the notice and objections, every dispatch with its steps, terms, contracts and
decisions, the appraisal grades with their consequences, a removal or dismissal; and the same as one
list of dated events, which the archive's DOCX prints.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.data import local_today
from server.core.access import require_role
from server.core.auth import BUREAU, CurrentUser
from server.core.db import Database
from server.core.errors import not_found
from server.core.models import dispatches, final_grades, grade_consequences
from server.core.settings import Settings
from server.term.data import load_pool, user_names
from server.term.dispatch import dispatch_answers
from server.term.views import candidate_json, candidate_names
from shared import term as vocab
from shared.profiles import Profile


def _event(on: Any, code: str, **params: Any) -> dict[str, Any]:
    day = on.isoformat() if isinstance(on, date) else on
    return {
        "on": day,
        "code": code,
        "params": params,
        "text": vocab.render_event(code, params, vocab.ZH),
        "text_en": vocab.render_event(code, params, vocab.EN),
    }


async def archive_data(
    conn: AsyncConnection, profile: Profile, today: date, candidate_id: int
) -> dict[str, Any]:
    pool = await load_pool(conn, profile, today, [candidate_id])
    if candidate_id not in pool.candidates:
        raise not_found("candidate_id", "no such candidate")
    view = pool.candidates[candidate_id]
    names = await user_names(conn, candidate_names(pool))
    cand = candidate_json(view, pool, names, profile)
    rows = list(
        (
            await conn.execute(
                sa.select(dispatches)
                .where(dispatches.c.candidate_id == candidate_id)
                .order_by(dispatches.c.id)
            )
        ).all()
    )
    served = await dispatch_answers(conn, profile, today, rows)
    grades: list[dict[str, Any]] = []
    user_id = view.row.user_id
    if user_id is not None:
        cons: dict[int, list[dict[str, Any]]] = {}
        for c in await conn.execute(
            sa.select(grade_consequences)
            .where(grade_consequences.c.planner_id == user_id)
            .order_by(grade_consequences.c.year, grade_consequences.c.id)
        ):
            cons.setdefault(c.year, []).append({"code": c.code, "rule_id": c.rule_id, "params": c.params})
        for g in await conn.execute(
            sa.select(final_grades).where(final_grades.c.planner_id == user_id).order_by(final_grades.c.year)
        ):
            grades.append(
                {
                    "year": g.year,
                    "grade": g.grade,
                    "set_at": g.set_at.isoformat(),
                    "consequences": cons.get(g.year, []),
                }
            )
    return {
        "candidate": cand,
        "dispatches": served,
        "grades": grades,
        "events": _events(view.row, cand, served, grades, profile),
    }


def _events(
    row: Any,
    cand: dict[str, Any],
    served: list[dict[str, Any]],
    grades: list[dict[str, Any]],
    profile: Profile,
) -> list[dict[str, Any]]:
    ev = [_event(row.applied_on, "applied")]
    if cand["exception"]:
        ev.append(
            _event(
                cand["exception"]["at"][:10], "exception", reason=cand["exception"]["reason"], rule_id="CQ-2"
            )
        )
    if cand["review"]:
        outcome = "rejected" if row.stage == "rejected" else "approved"
        ev.append(_event(cand["review"]["on"], "reviewed", outcome=outcome, note=cand["review"]["note"]))
    if cand["notice"]:
        n = cand["notice"]
        ev.append(
            _event(n["starts_on"], "notice", starts_on=n["starts_on"], ends_on=n["ends_on"], rule_id="PDS-4")
        )
    for o in cand["objections"]:
        ev.append(_event(o["filed_on"], "objection", content=o["content"]))
        if o["decided_on"]:
            ev.append(
                _event(
                    o["decided_on"],
                    "objection_decided",
                    outcome=o["status"],
                    note=o["decision_note"],
                )
            )
    if cand["member_since"]:
        ev.append(_event(cand["member_since"], "entered", pool=profile.pool_name))
    for d in served:
        if d["steps"] and any(s["done_on"] for s in d["steps"]):
            first = min(s["done_on"] for s in d["steps"] if s["done_on"])
            ev.append(_event(first, "dispatch_proposed", district=d["district_name"]))
        for s in d["steps"]:
            if s["done_on"]:
                ev.append(
                    _event(
                        s["done_on"],
                        "step",
                        step=s["step"],
                        note=s["note"] or "",
                    )
                )
        if d["starts_on"] and d["terms"]:
            ev.append(
                _event(
                    d["starts_on"],
                    "dispatched",
                    district=d["district_name"],
                    starts_on=d["terms"][0]["starts_on"],
                    ends_on=d["terms"][0]["ends_on"],
                    notice_no=d["notice"]["no"] if d["notice"] else "",
                )
            )
        for t in d["terms"]:
            c = t["contract"]
            if c["recorded"] and (c["signed_on"] or c["certificate_no"]):
                ev.append(
                    _event(
                        c["signed_on"] or t["starts_on"],
                        "contract",
                        certificate_no=c["certificate_no"] or "—",
                    )
                )
            dec = t["decision"]
            if dec:
                ev.append(
                    _event(
                        dec["at"][:10],
                        "decision",
                        term=t["number"],
                        decision=dec["decision"],
                        rule_id=dec["rule_id"],
                        grade=dec["grade"] or "—",
                        note=dec["note"] or "",
                    )
                )
        if d["end"] and d["ends_on"]:
            ev.append(
                _event(
                    d["ends_on"],
                    "service_ended" if d["status"] == "ended" else "service_ending",
                    district=d["district_name"],
                    reason=d["end"]["reason"],
                )
            )
    for g in grades:
        ev.append(_event(g["set_at"][:10], "graded", year=g["year"], grade=g["grade"]))
        for c in g["consequences"]:
            ev.append(
                _event(g["set_at"][:10], "consequence", year=g["year"], what=c["code"], rule_id=c["rule_id"])
            )
    if cand["removal"]:
        r = cand["removal"]
        ev.append(
            _event(
                r["on"],
                "removed",
                pool=profile.pool_name,
                rule_id=r["rule_id"],
                reason=r["reason"],
                note=r["note"] or "",
            )
        )
    if row.stage == "dismissed":
        ended = [d for d in served if d["end"] and d["end"]["reason"] == "dismissed"]
        for d in ended:
            t = next((t for t in reversed(d["terms"]) if t["decision"]), None)
            ground = t["decision"]["ground"] if t else None
            ev.append(
                _event(
                    d["ends_on"],
                    "dismissed",
                    rule_id=d["end"]["rule_id"],
                    ground=ground or "",
                    consecutive=profile.absence_consecutive_limit,
                    yearly=profile.absence_yearly_limit,
                )
            )
    ev.sort(key=lambda e: e["on"] or "")
    return ev


async def archive(db: Database, settings: Settings, user: CurrentUser, candidate_id: int) -> dict[str, Any]:
    require_role(user, *BUREAU)
    async with db.read() as conn:
        return await archive_data(conn, settings.profile, local_today(settings.tz), candidate_id)
