"""The annual appraisal for the bureau: dossiers whose every number names its records, suggested grades,
final grades under the CQ-9 cap, and their consequences (PDS-10, CQ-10, CQ-11), all from server/appraisal.

The year's list carries each planner's numbers only (`appraisal_data.year_values`: SQL aggregates shared
with the dashboard) and the grade suggested from them; ``/planners/{id}`` is the dossier with the records
behind every number. Both give the same numbers.

Final grades live in ``final_grades`` (planner, year); the consequences of a year's grades are recomputed
from the whole grade history whenever grades are set and stored in ``grade_consequences``. The cap is
checked over everyone appraised in the year (every active planner), with the grades already stored first
and the ones being set after them, so the grade refused is a new one (``grades.<planner id>``). Rounding:
``shared.rules.max_excellent`` (floor: 10 planners allow 3, 9 allow 2).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal import grading
from server.appraisal.data import YearFacts, load_planners, load_year, year_values
from server.appraisal.district import assessments_of, criteria_json
from server.appraisal.model import GradeRecord, Indicator
from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import BUREAU, CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import final_grades, grade_consequences
from server.core.parsing import body_object
from server.core.settings import Settings
from server.people.dismissal import found_grounds, ground_json
from server.people.service import dismissals_of
from shared.profiles import Profile
from shared.rules import AbsenceWarning, max_excellent

INDICATORS = tuple(grading.INDICATOR_KINDS)


def parse_year_path(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise bad_request("year", "must be between 2000 and 2100")
    return year


def _targets(d: grading.Dossier | grading.Values, out: dict[str, Any]) -> dict[str, Any]:
    w = d.absence_warning
    out["absence_warning"] = None if w is None else {"reason": w.reason, "count": w.count, "limit": w.limit}
    out["visit_target"] = d.visit_target
    out["meets_target"] = d.meets_target
    return out


def dossier_json(d: grading.Dossier) -> dict[str, Any]:
    """Every indicator with the ids of its records (the per-planner dossier)."""
    out: dict[str, Any] = {}
    for name in INDICATORS:
        ind: Indicator = getattr(d, name)
        out[name] = {"value": ind.value, "kind": ind.kind, "record_ids": list(ind.record_ids)}
    return _targets(d, out)


def values_json(v: grading.Values) -> dict[str, Any]:
    """Every indicator's value without its records (the year's list; the dossier names them)."""
    out = {name: {"value": getattr(v, name), "kind": kind} for name, kind in grading.INDICATOR_KINDS.items()}
    return _targets(v, out)


async def _grades(conn: AsyncConnection, year: int | None = None) -> list[Any]:
    q = sa.select(final_grades).order_by(
        final_grades.c.year, final_grades.c.set_at, final_grades.c.planner_id
    )
    if year is not None:
        q = q.where(final_grades.c.year == year)
    return list((await conn.execute(q)).all())


async def _consequences(conn: AsyncConnection, year: int) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in await conn.execute(
        sa.select(grade_consequences)
        .where(grade_consequences.c.year == year)
        .order_by(grade_consequences.c.id)
    ):
        out.setdefault(r.planner_id, []).append({"code": r.code, "rule_id": r.rule_id, "params": r.params})
    return out


def suggestion_basis(profile: Profile) -> dict[str, Any]:
    """What the suggested grades rest on (the profile's ``[suggestions]``) and the rule of each reason."""
    basis = profile.suggestions
    return {
        "is_suggestion": True,
        "failing_when": list(basis.failing_when),
        "excellent_min_quality": basis.excellent_min_quality,
        "reason_rules": dict(grading.REASON_RULES),
    }


def _grounds(profile: Profile, warning: AbsenceWarning | None, grade: str | None) -> list[dict[str, Any]]:
    """CQ-11's computed dismissal grounds that hold (for a person to decide on), with what shows them."""
    return [{**ground_json(f.ground), "params": f.params} for f in found_grounds(profile, warning, grade)]


async def appraisal(db: Database, settings: Settings, user: CurrentUser, year: int) -> dict[str, Any]:
    require_role(user, *BUREAU)
    profile = settings.profile
    async with db.read() as conn:
        planners = await load_planners(conn)
        values = await year_values(conn, planners, year, profile, settings.tz, user)
        finals = {r.planner_id: r.grade for r in await _grades(conn, year)}
        cons = await _consequences(conn, year)
        ids = [p.id for p in planners]
        joint = await assessments_of(conn, year, ids)
        dismissed = await dismissals_of(conn, ids)
    suggestions = grading.suggest_grades(values, profile)
    return {
        "year": year,
        "profile": profile.name,
        "grades": list(profile.grades),
        "grades_en": list(profile.grades_en),
        "excellent_cap": profile.excellent_cap,
        "appraised": len(planners),
        "max_excellent": max_excellent(len(planners), profile.excellent_cap),
        "suggestion_basis": suggestion_basis(profile),
        "district_criteria": criteria_json(profile),
        "planners": [
            {
                "planner_id": p.id,
                "display_name": p.name,
                "district_id": p.district_id,
                "district_name": p.district_name,
                "dossier": values_json(v),
                "suggested_grade": s.grade,
                "suggestion_reasons": list(s.reasons),
                "suggestion_rank": s.rank,
                "final_grade": finals.get(p.id),
                "consequences": cons.get(p.id, []),
                "dismissal_grounds": _grounds(profile, v.absence_warning, finals.get(p.id)),
                "dismissals": dismissed.get(p.id, []),
                "district_assessments": joint.get(p.id, []),
            }
            for p, v, s in zip(planners, values, suggestions, strict=True)
        ],
    }


def _day(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).date().isoformat()


async def planner_dossier(
    db: Database, settings: Settings, user: CurrentUser, year: int, planner_id: int
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    profile = settings.profile
    async with db.read() as conn:
        facts: YearFacts = await load_year(conn, year, settings.tz, [planner_id])
        finals = {r.planner_id: r.grade for r in await _grades(conn, year)}
        cons = await _consequences(conn, year)
        joint = (await assessments_of(conn, year, [planner_id])).get(planner_id, [])
        dismissed = (await dismissals_of(conn, [planner_id])).get(planner_id, [])
    if not facts.planners:
        raise not_found("planner_id", "no such planner")
    [d] = grading.build_dossiers(
        facts.planners,
        year,
        profile,
        facts.visits,
        facts.opinions,
        facts.feedback,
        facts.attendance,
        settings.tz,
    )
    tz = settings.tz
    records: dict[str, dict[str, Any]] = {}
    for v in facts.visits:
        records[v.id] = {
            "id": v.id,
            "kind": "visit",
            "date": _day(v.started_at, tz),
            "summary": f"{v.site}：{v.purpose}",
            "review": v.review,
        }
    for o in facts.opinions:
        records[o.id] = {
            "id": o.id,
            "kind": "opinion",
            "date": _day(o.issued_at, tz),
            "summary": o.subject,
            "adoption": o.adoption,
            "quality": o.quality,
        }
    for f in facts.feedback:
        records[f.id] = {
            "id": f.id,
            "kind": "feedback",
            "date": _day(f.collected_at, tz),
            "summary": f"{f.place}：{f.content[:60]}",
        }
    for a in facts.attendance:
        records[a.ref] = {
            "id": a.ref,
            "kind": "activity",
            "date": a.on.isoformat(),
            "summary": a.topic,
            "status": a.status,
        }
    dj = dossier_json(d)
    for name in INDICATORS:
        dj[name]["records"] = [records[i] for i in dj[name]["record_ids"] if i in records]
    return {
        "year": year,
        "planner_id": d.planner_id,
        "display_name": d.planner_name,
        "district_id": d.district_id,
        "district_name": d.district_name,
        "dossier": dj,
        "suggestion_basis": suggestion_basis(profile),
        "final_grade": finals.get(planner_id),
        "consequences": cons.get(planner_id, []),
        "dismissal_grounds": _grounds(profile, d.absence_warning, finals.get(planner_id)),
        "dismissals": dismissed,
        "joint_appraisal": {
            "criteria": criteria_json(profile),
            "district_assessments": joint,
            "districts_pending": [
                x for x in facts.districts.get(planner_id, []) if x not in {a["district_id"] for a in joint}
            ]
            if profile.district_assessment_criteria
            else [],
        },
    }


async def set_grades(
    db: Database, settings: Settings, user: CurrentUser, year: int, body: Any
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    profile = settings.profile
    body = body_object(body)
    given = body.get("grades")
    if not isinstance(given, dict) or not given:
        raise bad_request("grades", "must be an object {planner_id: grade}")
    wanted: dict[int, str | None] = {}
    for key, grade in given.items():
        try:
            pid = int(key)
        except ValueError:
            raise ApiError(422, f"grades.{key}", "is not a planner id") from None
        if grade is not None and not isinstance(grade, str):
            raise ApiError(422, f"grades.{key}", f"must be one of {', '.join(profile.grades)} or null")
        wanted[pid] = grade
    now = utcnow()
    async with db.write() as conn:
        appraised = [p.id for p in await load_planners(conn)]
        for pid in wanted:
            if pid not in appraised:
                raise ApiError(422, f"grades.{pid}", "is not a planner appraised this year")
        stored = {r.planner_id: r.grade for r in await _grades(conn, year)}
        # Stored grades first, then the ones being set: a refusal names a grade of this request.
        order: dict[int, str | None] = {pid: stored.get(pid) for pid in appraised if pid not in wanted}
        order.update(wanted)
        try:
            clean = grading.set_final_grades(order, profile)
        except grading.GradeError as exc:
            raise ApiError(422, exc.field, exc.message) from None
        before = {str(pid): g for pid, g in stored.items()}
        for pid in wanted:
            grade = clean[pid]
            where = sa.and_(final_grades.c.year == year, final_grades.c.planner_id == pid)
            await conn.execute(final_grades.delete().where(where))
            if grade is not None:
                await conn.execute(
                    final_grades.insert().values(
                        year=year, planner_id=pid, grade=grade, set_by=user.id, set_at=now
                    )
                )
        history = [GradeRecord(r.planner_id, r.year, r.grade) for r in await _grades(conn)]
        results = grading.consequences(history, year, profile)
        await conn.execute(grade_consequences.delete().where(grade_consequences.c.year == year))
        if results:
            await conn.execute(
                grade_consequences.insert(),
                [
                    {
                        "year": year,
                        "planner_id": c.planner_id,
                        "code": c.code,
                        "rule_id": c.rule_id,
                        "params": c.params,
                        "created_at": now,
                    }
                    for c in results
                ],
            )
        after = {str(r.planner_id): r.grade for r in await _grades(conn, year)}
        await audit(
            conn,
            user.id,
            "appraisal.grades",
            "appraisal",
            str(year),
            {"grades": before},
            {
                "grades": after,
                "set": {str(k): v for k, v in wanted.items()},
                "consequences": [
                    {"planner_id": c.planner_id, "code": c.code, "rule_id": c.rule_id} for c in results
                ],
            },
        )
    return await appraisal(db, settings, user, year)
