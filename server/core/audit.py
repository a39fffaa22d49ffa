"""The audit log: who did what to which record, when, with the record before and after as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.db import utcnow
from server.core.models import AuditLog, table_of

_audit = table_of(AuditLog)


async def audit(
    conn: AsyncConnection,
    user_id: int | None,
    action: str,
    kind: str | None,
    record_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Write one audit entry inside the caller's transaction, so it commits (or not) with the change."""
    await conn.execute(
        _audit.insert().values(
            at=utcnow(),
            user_id=user_id,
            action=action,
            kind=kind,
            record_id=record_id,
            before=before,
            after=after,
        )
    )
