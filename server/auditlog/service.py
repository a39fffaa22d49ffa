"""Reading the audit log (coordinator, admin): newest first, paged by ``before`` (an entry id)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.core.access import require_role
from server.core.auth import BUREAU, CurrentUser
from server.core.db import Database
from server.core.models import AuditLog, User, table_of

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
