"""CQ-6: travel costs of consulting work, reimbursed by the bureau of the district served.

A planner files a claim for a district they serve: the trip's date and what it was, the amount, and the
receipt photo by its SHA-256, uploaded first through ``PUT /api/attachments/{sha256}`` (the photos' checks
apply). The district's staff approve it or reject it with a reason; a decision is final (a wrong one is
corrected by a new claim), and who decided and when are kept. Planners see their claims, staff the claims
of their districts, the bureau every claim. Only profiles with ``travel_claims`` (Chongqing) take claims.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import district_names, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, forbidden, not_found
from server.core.models import Attachment, User, table_of, travel_claims
from server.core.parsing import body_object, is_record_id, parse_date, parse_int, parse_text
from server.core.settings import Settings
from server.money.amounts import fen_text, parse_amount
from server.sync.attachments import attachment_path

PENDING: Final = "pending"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
STATUSES: Final = (PENDING, APPROVED, REJECTED)

_claims, _users, _attachments = travel_claims, table_of(User), table_of(Attachment)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _require_claims(settings: Settings) -> None:
    if not settings.profile.travel_claims:
        raise ApiError(
            409,
            "travel_claims",
            f"the {settings.profile.name} profile takes no travel claims (CQ-6 is Chongqing's)",
        )


def _claim_json(r: Any, names: dict[int, str], districts: dict[int, str]) -> dict[str, Any]:
    return {
        "id": r.id,
        "planner_id": r.planner_id,
        "planner_name": names.get(r.planner_id, ""),
        "district_id": r.district_id,
        "district_name": districts.get(r.district_id, ""),
        "trip_on": r.trip_on.isoformat(),
        "trip": r.trip,
        "amount": fen_text(r.amount_fen),
        "amount_fen": r.amount_fen,
        "receipt_sha256": r.receipt_sha256,
        "status": r.status,
        "decision_reason": r.decision_reason,
        "decided_by": r.decided_by,
        "decided_by_name": names.get(r.decided_by) if r.decided_by else None,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "created_at": r.created_at.isoformat(),
    }


async def _lookups(conn: AsyncConnection) -> tuple[dict[int, str], dict[int, str]]:
    names = {r.id: r.display_name for r in await conn.execute(sa.select(_users.c.id, _users.c.display_name))}
    return names, await district_names(conn)


def _visible(user: CurrentUser, row: Any) -> bool:
    return (
        user.sees_all
        or (user.role == PLANNER and row.planner_id == user.id)
        or (user.role == DISTRICT and row.district_id in user.district_ids)
    )


async def _visible_claim(conn: AsyncConnection, user: CurrentUser, claim_id: str) -> Any:
    if not is_record_id(claim_id):
        raise not_found("claim_id", "no such claim")
    row = (await conn.execute(sa.select(_claims).where(_claims.c.id == claim_id))).one_or_none()
    if row is None or not _visible(user, row):
        raise not_found("claim_id", "no such claim")
    return row


async def file_claim(db: Database, settings: Settings, user: CurrentUser, body: Any) -> dict[str, Any]:
    _require_claims(settings)
    require_role(user, PLANNER)
    body = body_object(body)
    unknown = sorted(set(body) - {"district_id", "trip_on", "trip", "amount", "receipt_sha256"})
    if unknown:
        raise bad_request(unknown[0], "is not a field of a travel claim")
    district_id = parse_int(body.get("district_id"), "district_id")
    if district_id not in user.district_ids:
        raise forbidden("district_id", "is not a district you serve")
    trip_on = parse_date(body.get("trip_on"), "trip_on")
    assert trip_on is not None
    today = utcnow().astimezone(ZoneInfo(settings.tz)).date()
    if trip_on > today:
        raise bad_request("trip_on", "is in the future; claim a trip after it")
    if trip_on < date(2000, 1, 1):
        raise bad_request("trip_on", "must be in 2000 or later")
    trip = parse_text(body, "trip", required=True, max_len=500)
    amount = parse_amount(body.get("amount"), "amount")
    receipt = body.get("receipt_sha256")
    if not isinstance(receipt, str) or not _SHA256.fullmatch(receipt):
        raise bad_request(
            "receipt_sha256", "is required: the receipt photo's SHA-256 (64 lowercase hex characters)"
        )
    async with db.write() as conn:
        stored = (
            await conn.execute(sa.select(_attachments.c.uploaded_by).where(_attachments.c.sha256 == receipt))
        ).one_or_none()
        if stored is None or not attachment_path(settings, receipt).exists():
            raise ApiError(
                422, "receipt_sha256", "no such photo; upload it first (PUT /api/attachments/{sha256})"
            )
        if stored.uploaded_by != user.id:
            raise ApiError(422, "receipt_sha256", "is a photo someone else uploaded; upload your receipt")
        claim_id = str(uuid.uuid4())
        await conn.execute(
            _claims.insert().values(
                id=claim_id,
                planner_id=user.id,
                district_id=district_id,
                trip_on=trip_on,
                trip=trip,
                amount_fen=amount,
                receipt_sha256=receipt,
                status=PENDING,
                created_at=utcnow(),
            )
        )
        row = (await conn.execute(sa.select(_claims).where(_claims.c.id == claim_id))).one()
        names, districts = await _lookups(conn)
        result = _claim_json(row, names, districts)
        await audit(conn, user.id, "claim.file", "travel_claim", claim_id, None, result)
    return result


async def list_claims(
    db: Database,
    settings: Settings,
    user: CurrentUser,
    district_id: int | None,
    status: str | None,
    year: int | None,
) -> dict[str, Any]:
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    if status is not None and status not in STATUSES:
        raise bad_request("status", f"must be one of {', '.join(STATUSES)}")
    q = sa.select(_claims).order_by(_claims.c.trip_on, _claims.c.created_at)
    if user.role == PLANNER:
        q = q.where(_claims.c.planner_id == user.id)
    elif user.role == DISTRICT:
        q = q.where(_claims.c.district_id.in_(sorted(user.district_ids)))
    if district_id is not None:
        if not user.sees_all and district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you work for")
        q = q.where(_claims.c.district_id == district_id)
    if status is not None:
        q = q.where(_claims.c.status == status)
    if year is not None:
        q = q.where(_claims.c.trip_on >= date(year, 1, 1), _claims.c.trip_on < date(year + 1, 1, 1))
    async with db.read() as conn:
        rows = (await conn.execute(q)).all()
        names, districts = await _lookups(conn)
    claims = [_claim_json(r, names, districts) for r in rows]
    totals = {s: fen_text(sum(c["amount_fen"] for c in claims if c["status"] == s)) for s in STATUSES}
    return {"claims": claims, "totals": totals}


async def get_claim(db: Database, user: CurrentUser, claim_id: str) -> dict[str, Any]:
    async with db.read() as conn:
        row = await _visible_claim(conn, user, claim_id)
        names, districts = await _lookups(conn)
        return _claim_json(row, names, districts)


async def decide_claim(
    db: Database, settings: Settings, user: CurrentUser, claim_id: str, status: str, body: Any
) -> dict[str, Any]:
    """Approve, or reject with a reason: the staff of the claim's district only (CQ-6)."""
    _require_claims(settings)
    body = body_object(body if body is not None else {})
    reason = parse_text(body, "reason", required=status == REJECTED, max_len=2000)
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        row = await _visible_claim(conn, user, claim_id)
        if user.role != DISTRICT:
            raise forbidden("role", "the staff of the claim's district decide it (CQ-6)")
        if row.status != PENDING:
            raise ApiError(409, "status", f"the claim is {row.status} already")
        await conn.execute(
            _claims.update()
            .where(_claims.c.id == claim_id)
            .values(status=status, decision_reason=reason, decided_by=user.id, decided_at=utcnow())
        )
        after = (await conn.execute(sa.select(_claims).where(_claims.c.id == claim_id))).one()
        names, districts = await _lookups(conn)
        result = _claim_json(after, names, districts)
        await audit(
            conn,
            user.id,
            f"claim.{'approve' if status == APPROVED else 'reject'}",
            "travel_claim",
            claim_id,
            {"status": row.status},
            {"status": status, "reason": reason},
        )
    return result


async def receipt_photo(
    db: Database, settings: Settings, user: CurrentUser, claim_id: str
) -> tuple[Path, str]:
    """The claim's receipt photo, to whoever may see the claim."""
    async with db.read() as conn:
        row = await _visible_claim(conn, user, claim_id)
        ctype = (
            await conn.execute(
                sa.select(_attachments.c.content_type).where(_attachments.c.sha256 == row.receipt_sha256)
            )
        ).scalar_one()
    return attachment_path(settings, row.receipt_sha256), ctype
