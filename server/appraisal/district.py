"""The district's part of the joint appraisal (PDS-10: the bureau *and* the district government appraise).

The district's staff record, for each planner serving them and each year, their words on the criteria the
profile lists (``district_assessment_criteria``: service attitude, professional ability, district feedback;
the policy gives them no number, so none is invented) and, if they wish, the grade they propose. The
bureau reads them in the dossier beside the numbers and sets the final grade. One assessment per planner,
district and year; recording it again replaces it (the audit log keeps the earlier one).
Table ``district_assessments``.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.grading import normalise_grade
from server.core.access import district_names, load_planner_for, planner_districts, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, CurrentUser
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, forbidden, not_found
from server.core.models import User, district_assessments, table_of
from server.core.parsing import body_object, parse_int
from shared.profiles import Profile
from shared.records import NUL_MESSAGE

#: Labels of the criteria a profile may list.
CRITERIA_LABELS: Final[dict[str, tuple[str, str]]] = {
    "service_attitude": ("服务态度", "service attitude"),
    "professional_ability": ("专业能力", "professional ability"),
    "district_feedback": ("属地反馈", "district feedback"),
}
MAX_WORDS: Final = 2000

_users = table_of(User)


def criteria_json(profile: Profile) -> list[dict[str, str]]:
    return [
        {"code": c, "zh": CRITERIA_LABELS.get(c, (c, c))[0], "en": CRITERIA_LABELS.get(c, (c, c))[1]}
        for c in profile.district_assessment_criteria
    ]


def _require_joint(profile: Profile) -> tuple[str, ...]:
    if not profile.district_assessment_criteria:
        raise ApiError(
            409,
            "district_assessment_criteria",
            f"the {profile.name} profile asks the district for no part of the appraisal"
            " (PDS-10 is Pingdingshan's)",
        )
    return profile.district_assessment_criteria


def assessment_json(r: Any, districts: dict[int, str], names: dict[int, str]) -> dict[str, Any]:
    return {
        "year": r.year,
        "planner_id": r.planner_id,
        "district_id": r.district_id,
        "district_name": districts.get(r.district_id, ""),
        "criteria": r.criteria,
        "grade": r.grade,
        "recorded_by": r.recorded_by,
        "recorded_by_name": names.get(r.recorded_by) if r.recorded_by else None,
        "recorded_at": r.recorded_at.isoformat(),
    }


async def assessments_of(
    conn: AsyncConnection, year: int, planner_ids: list[int], district_ids: set[int] | None = None
) -> dict[int, list[dict[str, Any]]]:
    """Planner id -> the district assessments of ``year`` (of ``district_ids`` when given)."""
    if not planner_ids:
        return {}
    q = (
        sa.select(district_assessments)
        .where(district_assessments.c.year == year, district_assessments.c.planner_id.in_(planner_ids))
        .order_by(district_assessments.c.planner_id, district_assessments.c.district_id)
    )
    if district_ids is not None:
        q = q.where(district_assessments.c.district_id.in_(sorted(district_ids)))
    rows = (await conn.execute(q)).all()
    districts = await district_names(conn)
    names = {r.id: r.display_name for r in await conn.execute(sa.select(_users.c.id, _users.c.display_name))}
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.planner_id, []).append(assessment_json(r, districts, names))
    return out


async def get_assessments(
    db: Database, profile: Profile, user: CurrentUser, year: int, planner_id: int
) -> dict[str, Any]:
    """The district assessments of a planner's year: staff see their districts', the bureau all."""
    _require_joint(profile)
    require_role(user, DISTRICT, *BUREAU)
    async with db.read() as conn:
        await load_planner_for(conn, user, planner_id)
        scope = None if user.sees_all else set(user.district_ids)
        found = (await assessments_of(conn, year, [planner_id], scope)).get(planner_id, [])
        served = (await planner_districts(conn, [planner_id])).get(planner_id, [])
    assessed = {a["district_id"] for a in found}
    return {
        "year": year,
        "planner_id": planner_id,
        "criteria": criteria_json(profile),
        "assessments": found,
        "districts_pending": [d for d in served if d not in assessed and (scope is None or d in scope)],
    }


async def record_assessment(
    db: Database, profile: Profile, user: CurrentUser, year: int, planner_id: int, body: Any
) -> dict[str, Any]:
    """PDS-10: district staff record their district's assessment of a planner serving it."""
    criteria = _require_joint(profile)
    require_role(user, DISTRICT)
    body = body_object(body)
    unknown = sorted(set(body) - {"district_id", "criteria", "grade"})
    if unknown:
        raise bad_request(
            unknown[0], "is not a field of a district assessment (district_id, criteria, grade)"
        )
    district_id = parse_int(body.get("district_id"), "district_id")
    assert district_id is not None
    if district_id not in user.district_ids:
        raise forbidden("district_id", "is not a district you work for")
    given = body.get("criteria")
    if not isinstance(given, dict):
        raise bad_request("criteria", f"must be an object with {', '.join(criteria)}")
    extra = sorted(set(given) - set(criteria))
    if extra:
        raise bad_request(f"criteria.{extra[0]}", f"is not a criterion; use {', '.join(criteria)}")
    words: dict[str, str] = {}
    for c in criteria:
        text = given.get(c)
        field = f"criteria.{c}"
        if not isinstance(text, str) or not text.strip():
            raise bad_request(
                field, f"is required: the district's words on {CRITERIA_LABELS.get(c, (c,))[0]}"
            )
        if len(text) > MAX_WORDS:
            raise bad_request(field, f"is longer than {MAX_WORDS} characters")
        if "\x00" in text:
            raise bad_request(field, NUL_MESSAGE)
        words[c] = text.strip()
    grade = body.get("grade")
    if grade is not None:
        name = normalise_grade(grade, profile) if isinstance(grade, str) else None
        if name is None:
            raise bad_request("grade", f"must be one of {', '.join(profile.grades)} or null")
        grade = name
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        await load_planner_for(conn, user, planner_id)
        if district_id not in (await planner_districts(conn, [planner_id])).get(planner_id, []):
            raise not_found("planner_id", "the planner does not serve this district")
        where = sa.and_(
            district_assessments.c.year == year,
            district_assessments.c.planner_id == planner_id,
            district_assessments.c.district_id == district_id,
        )
        old = (await conn.execute(sa.select(district_assessments).where(where))).one_or_none()
        await conn.execute(district_assessments.delete().where(where))
        await conn.execute(
            district_assessments.insert().values(
                year=year,
                planner_id=planner_id,
                district_id=district_id,
                criteria=words,
                grade=grade,
                recorded_by=user.id,
                recorded_at=utcnow(),
            )
        )
        [result] = (await assessments_of(conn, year, [planner_id], {district_id}))[planner_id]
        before = None if old is None else {"criteria": old.criteria, "grade": old.grade}
        await audit(
            conn,
            user.id,
            "appraisal.district_assessment",
            "district_assessment",
            f"{year}:{planner_id}:{district_id}",
            before,
            {"criteria": words, "grade": grade},
        )
    return result
