"""Reading the audit log (coordinator, admin): newest first, paged by ``before`` (an entry id).

Each entry names what it is about in words (``about``: the planner and the site of a visit, the subject of an
opinion, a district's, a user's or a curated site's name), so the bureau reads "张规划 · 解放碑社区", not a
record id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import require_role
from server.core.auth import BUREAU, CurrentUser
from server.core.db import Database
from server.core.models import (
    Activity,
    AuditLog,
    District,
    DistrictSite,
    Feedback,
    Opinion,
    User,
    Visit,
    table_of,
)

_audit, _users, _districts = table_of(AuditLog), table_of(User), table_of(District)
_records = {"visit": table_of(Visit), "opinion": table_of(Opinion), "feedback": table_of(Feedback)}
_activities, _sites = table_of(Activity), table_of(DistrictSite)
#: The text field that names a record to a person, per record kind.
_NAMED_BY = {"visit": "site", "opinion": "subject", "feedback": "place"}


def _join(*parts: str | None) -> str | None:
    words = [p for p in parts if p]
    return " · ".join(words) if words else None


async def _abouts(conn: AsyncConnection, rows: Sequence[Any]) -> dict[tuple[str, str], str]:
    """(kind, record_id) -> words, for the entries of one page: one query per kind present."""
    ids: dict[str, set[str]] = {}
    for r in rows:
        if r.kind and r.record_id:
            ids.setdefault(r.kind, set()).add(r.record_id)
    out: dict[tuple[str, str], str] = {}
    for kind, t in _records.items():
        if kind not in ids:
            continue
        query = (
            sa.select(t.c.id, t.c.data, _users.c.display_name)
            .select_from(t.join(_users, _users.c.id == t.c.planner_id))
            .where(t.c.id.in_(sorted(ids[kind])))
        )
        for rec in await conn.execute(query):
            text = (rec.data or {}).get(_NAMED_BY[kind])
            out[(kind, rec.id)] = _join(rec.display_name, text if isinstance(text, str) else None) or ""
    numeric = {k: sorted(int(i) for i in v if i.isdigit() and len(i) < 10) for k, v in ids.items()}
    for kind, t, column in (
        ("user", _users, _users.c.display_name),
        ("planner", _users, _users.c.display_name),
        ("district", _districts, _districts.c.name),
        ("activity", _activities, _activities.c.topic),
        ("site", _sites, _sites.c.name),
    ):
        if numeric.get(kind):
            for named in await conn.execute(sa.select(t.c.id, column).where(t.c.id.in_(numeric[kind]))):
                out[(kind, str(named.id))] = str(named[1])
    # Attendance is recorded as ``activity-<activity id>:<planner id>``.
    pairs = [i.removeprefix("activity-").partition(":") for i in ids.get("attendance", ())]
    wanted = {(int(a), int(p)) for a, _, p in pairs if a.isdigit() and p.isdigit() and len(a + p) < 19}
    if wanted:
        topics = dict(
            (
                await conn.execute(
                    sa.select(_activities.c.id, _activities.c.topic).where(
                        _activities.c.id.in_(sorted({a for a, _ in wanted}))
                    )
                )
            )
            .tuples()
            .all()
        )
        names = dict(
            (
                await conn.execute(
                    sa.select(_users.c.id, _users.c.display_name).where(
                        _users.c.id.in_(sorted({p for _, p in wanted}))
                    )
                )
            )
            .tuples()
            .all()
        )
        for a, p in wanted:
            out[("attendance", f"activity-{a}:{p}")] = _join(topics.get(a), names.get(p)) or ""
    return {k: v for k, v in out.items() if v}


async def audit_entries(
    db: Database, user: CurrentUser, limit: int, before: int | None, action: str | None
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    query = (
        sa.select(_audit, _users.c.username, _users.c.display_name)
        .select_from(_audit.outerjoin(_users, _users.c.id == _audit.c.user_id))
        .order_by(_audit.c.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(_audit.c.id < before)
    if action:
        query = query.where(_audit.c.action.startswith(action, autoescape=True))
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
        page = rows[:limit]
        abouts = await _abouts(conn, page)
    return {
        "entries": [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "user_id": r.user_id,
                "username": r.username,
                "display_name": r.display_name,
                "action": r.action,
                "kind": r.kind,
                "record_id": r.record_id,
                "about": abouts.get((r.kind, r.record_id)) if r.kind and r.record_id else None,
                "before": r.before,
                "after": r.after,
            }
            for r in page
        ],
        "next_before": page[-1].id if len(rows) > limit else None,
    }
