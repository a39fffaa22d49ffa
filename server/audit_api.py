"""Reading the audit log (coordinator, admin): newest first, paged by ``before`` (an entry id)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.params import FromQuery

from .auth import CurrentUser
from .db import Database
from .models import AuditLog, User, table_of
from .scope import BUREAU, parse_int, require_role

_audit, _users = table_of(AuditLog), table_of(User)


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
                "before": r.before,
                "after": r.after,
            }
            for r in page
        ],
        "next_before": page[-1].id if len(rows) > limit else None,
    }


class AuditController(Controller):
    path = "/api/audit"
    tags = ("audit",)

    @get("", summary="Audit log, newest first: who, when, what changed (coordinator, admin)")
    async def entries(
        self,
        request: Request[CurrentUser, Any, Any],
        limit: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await audit_entries(
            request.app.state.db,
            request.user,
            parse_int(limit, "limit", required=False, hi=500) or 100,
            parse_int(before, "before", required=False),
            action,
        )
