"""Sync: push (apply a batch of a planner's operations) and pull (changes after a cursor).

The algorithm is documented once, in `shared.protocol`; this module implements the server side.
Server-side details not fixed there:

* An op whose ``data`` is ``null`` deletes the record (a tombstone that pulls as ``deleted: true``).
* Editing a *rejected* visit puts it back to ``pending`` for another review; a *confirmed* visit is locked
  (edits and deletes become conflicts).
* An optional ``clock_offset_s`` in the push body (the phone's measured offset) is stored on the visits
  of that batch so skewed times can be flagged.

A push is one transaction with a fixed number of statements whatever the batch size: the planner's lock
(`server.core.db.lock_planner`), one select of known op_ids, the positions of its changes, one select of
the records named, then executemany inserts and updates (per record in savepoints only if the database
refuses a bulk statement). The request's shape is
checked before the transaction; each new op's data is validated in Python, re-sent ops are not.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.activities.service import INVITATION, apply_response, invitation_changes
from server.core.audit import audit
from server.core.auth import DISTRICT, PLANNER, CurrentUser
from server.core.db import (
    Database,
    Stamps,
    after_position,
    insert_many,
    lock_planner,
    one_of,
    position_order,
    pull_horizon,
    utcnow,
)
from server.core.errors import bad_request, forbidden
from server.core.models import RECORD_MODELS, AppliedOp, Conflict, table_of
from server.core.parsing import is_record_id
from server.core.settings import Settings
from server.sync import totals
from server.sync.totals import Counted, Tally
from shared import protocol
from shared.records import (
    INVITATION_RESPONSE,
    KINDS,
    MAX_ID,
    NUL_MESSAGE,
    OCCURRED_FIELD,
    VISIT,
    RecordError,
    Times,
    validate_parsed,
)
from shared.rules import CONFIRMED, PENDING, REJECTED, hours

_ops = table_of(AppliedOp)
_conflicts = table_of(Conflict)
TABLES = {kind: table_of(model) for kind, model in RECORD_MODELS.items()}

NOT_YOURS = "is not one of your records"

#: A phone clock further off than this (30 million years) is not an offset; JSON allows any number.
MAX_CLOCK_OFFSET_S = 1e15
REFUSED = "id: the database refused this record; nothing of it was kept"


@dataclass(slots=True)
class ParsedOp:
    index: int
    op_id: str
    kind: str
    id: str
    base_version: int
    data: Any  # None deletes
    clean: dict[str, Any] | None = None
    times: Times | None = None
    error: str | None = None


@dataclass
class PushRequest:
    device_id: str
    ops: list[ParsedOp]
    clock_offset_s: float | None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_push(body: Any) -> PushRequest:
    """Check the request's shape; raise a 400 naming the field for anything that is not a push."""
    if not isinstance(body, Mapping):
        raise bad_request("body", "must be a JSON object")
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or not device_id.strip():
        raise bad_request("device_id", "is required (the phone's id as text)")
    if len(device_id) > 200:
        raise bad_request("device_id", "is longer than 200 characters")
    if "\x00" in device_id:
        raise bad_request("device_id", NUL_MESSAGE)
    ops = body.get("ops")
    if not isinstance(ops, list):
        raise bad_request("ops", "must be a list")
    if len(ops) > protocol.MAX_OPS_PER_PUSH:
        raise bad_request(
            "ops", f"has more than {protocol.MAX_OPS_PER_PUSH} operations; send smaller batches"
        )
    offset = body.get("clock_offset_s")
    if offset is not None and (
        isinstance(offset, bool)
        or not isinstance(offset, int | float)
        or not -MAX_CLOCK_OFFSET_S <= offset <= MAX_CLOCK_OFFSET_S  # also refuses NaN
    ):
        raise bad_request("clock_offset_s", "must be a number of seconds")
    parsed: list[ParsedOp] = []
    for i, op in enumerate(ops):
        # The common case, a well-formed op decoded from JSON, in one test; anything else gets the checks
        # one by one, so the 400 names the first field that is wrong.
        if isinstance(op, dict):
            op_id, kind, rid = op.get("op_id"), op.get("kind"), op.get("id")
            base, data = op.get("base_version"), op.get("data", _ABSENT)
            if (
                type(op_id) is str
                and 0 < len(op_id) <= 100
                and not op_id.isspace()
                and "\x00" not in op_id
                and type(kind) is str
                and type(rid) is str
                and type(base) is int
                and (data is None or type(data) is dict)
            ):
                parsed.append(ParsedOp(i, op_id, kind, rid, base, data))
                continue
        parsed.append(_parse_op(i, op))
    return PushRequest(device_id.strip(), parsed, None if offset is None else float(offset))


def _check_id(value: str) -> None:
    if is_record_id(value):
        return
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        raise RecordError("id", "must be a UUID") from None
    # The id is also the phone's key for the record: it must come back exactly as it was sent.
    raise RecordError("id", f"must be a UUID written as {canonical}")


_ABSENT: Any = object()


def _parse_op(i: int, op: Any) -> ParsedOp:
    where = f"ops[{i}]"
    if not isinstance(op, Mapping):
        raise bad_request(where, "must be an object")
    op_id = op.get("op_id")
    if not isinstance(op_id, str) or not op_id.strip():
        raise bad_request(f"{where}.op_id", "is required")
    if len(op_id) > 100:
        raise bad_request(f"{where}.op_id", "is longer than 100 characters")
    if "\x00" in op_id:
        raise bad_request(f"{where}.op_id", NUL_MESSAGE)
    for name in ("kind", "id"):
        if not isinstance(op.get(name), str):
            raise bad_request(f"{where}.{name}", "is required (text)")
    if "base_version" not in op or not _is_int(op["base_version"]):
        raise bad_request(f"{where}.base_version", "is required (a whole number, 0 to create)")
    if "data" not in op or not (op["data"] is None or isinstance(op["data"], Mapping)):
        raise bad_request(f"{where}.data", "is required (an object, or null to delete)")
    return ParsedOp(i, op_id, op["kind"], op["id"], op["base_version"], op["data"])


def _check_op(op: ParsedOp, user: CurrentUser) -> None:
    """Per-op validation that needs no database: sets ``op.error`` (rejected) or ``op.clean``."""
    try:
        if op.kind not in KINDS and op.kind != INVITATION_RESPONSE:
            raise RecordError("kind", f"must be one of {', '.join((*KINDS, INVITATION_RESPONSE))}")
        _check_id(op.id)
        if not 0 <= op.base_version <= MAX_ID:
            raise RecordError("base_version", "must be 0 (create) or the version the edit was made on")
        if op.data is None:
            if op.base_version == 0:
                raise RecordError("base_version", "a delete needs the version of the record it deletes")
            return
        if op.data is None and op.kind == INVITATION_RESPONSE:
            raise RecordError("data", "an answer cannot be deleted; send the new answer")
        clean, times = validate_parsed(op.kind, op.data)
        if op.kind == INVITATION_RESPONSE:
            op.clean = clean
            return
        if clean["district_id"] not in user.district_ids:
            raise RecordError("district_id", "is not a district you serve")
        op.clean, op.times = clean, times
    except RecordError as exc:
        op.error = str(exc)


@dataclass
class _Current:
    """What the batch knows about a record, updated as the batch's own ops apply."""

    kind: str
    planner_id: int
    version: int
    deleted: bool
    review: str | None
    exists_in_db: bool
    # What decides the record's part in the yearly totals (server.sync.totals).
    district_id: int
    at: datetime
    ended: bool
    duration_s: int

    def counted(self) -> Counted:
        return Counted(
            self.kind,
            self.planner_id,
            self.district_id,
            self.at,
            self.deleted,
            self.review,
            self.ended,
            self.duration_s,
        )


@dataclass
class _Writes:
    inserts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    updates: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    applied: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def _typed_columns(kind: str, clean: dict[str, Any], times: Times) -> dict[str, Any]:
    """The record's columns besides ``data``, from its cleaned fields and the times validate parsed."""
    cols: dict[str, Any] = {"district_id": clean["district_id"]}
    if kind == VISIT:
        started, ended = times["started_at"], times["ended_at"]
        assert started is not None  # required
        cols["started_at"] = started
        cols["ended_at"] = ended
        # The same whole seconds as shared.rules.visit_seconds, without parsing the times again.
        cols["duration_s"] = 0 if ended is None else max(0, int((ended - started).total_seconds()))
    else:
        cols[OCCURRED_FIELD[kind]] = times[OCCURRED_FIELD[kind]]
    return cols


def _counted_fields(kind: str, cols: Mapping[str, Any]) -> tuple[int, datetime, bool, int]:
    """From `_typed_columns`: district, the record's time, whether a visit is checked out, its seconds."""
    if kind == VISIT:
        return cols["district_id"], cols["started_at"], cols["ended_at"] is not None, cols["duration_s"]
    return cols["district_id"], cols[OCCURRED_FIELD[kind]], False, 0


def _result(op: ParsedOp, status: str, version: int | None, error: str | None) -> dict[str, Any]:
    return {"op_id": op.op_id, "status": status, "version": version, "error": error}


async def push(db: Database, user: CurrentUser, body: Any, tz: str) -> dict[str, Any]:
    """Apply a batch in one transaction; ``tz`` is the deployment's zone, for the yearly totals."""
    if user.role != PLANNER:
        raise forbidden("role", "only planners push records")
    req = parse_push(body)
    now = utcnow()
    results: list[dict[str, Any]] = []
    result_ops: list[ParsedOp] = []
    async with db.write() as conn:
        known: dict[str, tuple[str, int | None]] = {}
        stamps = Stamps(0, [])
        if req.ops:
            # Positions for every op that may apply, taken with the lock: one round trip fewer.
            stamps = await lock_planner(conn, user.id, stamps=len(req.ops))
            rows = await conn.execute(
                sa.select(_ops.c.op_id, _ops.c.status, _ops.c.version).where(
                    _ops.c.user_id == user.id, one_of(conn, _ops.c.op_id, {op.op_id for op in req.ops})
                )
            )
            # Unpacked, not read by name: a field of a SQLAlchemy row costs ten times a tuple's.
            known = {op_id: (status, version) for op_id, status, version in rows}
        for op in req.ops:
            if op.op_id not in known:  # a re-sent op is answered from its first outcome, not re-validated
                _check_op(op, user)
        todo = [
            op
            for op in req.ops
            if op.op_id not in known and op.error is None and op.kind != INVITATION_RESPONSE
        ]
        placed = 0  # how many of the stamps the applied ops have used
        current = await _load_current(conn, todo)
        # Each record's counted state before this batch touched it (None: new), for the totals' deltas.
        before: dict[tuple[str, str], Counted | None] = {}
        writes = _Writes()
        for op in req.ops:
            if op.op_id in known:
                status, version = known[op.op_id]
                results.append({**_result(op, protocol.DUPLICATE, version, None), "original": status})
                result_ops.append(op)
                continue
            if op.error is not None:
                results.append(_result(op, protocol.REJECTED, None, op.error))
                result_ops.append(op)
                continue
            if op.kind == INVITATION_RESPONSE:
                assert op.clean is not None
                version, error = await apply_response(conn, user, op.id, op.clean, now)
                result = _result(op, protocol.REJECTED if error else protocol.APPLIED, version, error)
            else:
                key = (op.kind, op.id)
                if key not in before:
                    known_now = current.get(key)
                    before[key] = known_now.counted() if known_now is not None else None
                result = _apply(op, user, req, current, writes, stamps, placed, now)
                if result["status"] == protocol.APPLIED:
                    placed += 1
            if result["status"] in (protocol.APPLIED, protocol.CONFLICT):
                # Recorded so that a re-send (or a repeat in this batch) is a duplicate of this outcome.
                known[op.op_id] = (result["status"], result["version"])
                writes.applied.append(
                    {
                        "user_id": user.id,
                        "op_id": op.op_id,
                        "device_id": req.device_id,
                        "kind": op.kind,
                        "record_id": op.id,
                        "status": result["status"],
                        "version": result["version"],
                        "error": result["error"],
                        "applied_at": now,
                    }
                )
            results.append(result)
            result_ops.append(op)
        refused: set[tuple[str, str]] = set()
        try:
            async with conn.begin_nested():
                await _write(conn, writes)
        except (sa.exc.IntegrityError, sa.exc.DataError):
            # Not expected (every op was checked above); if the database still refuses a row, only the
            # records it refuses are rejected, one savepoint each, and the rest of the batch is kept.
            refused = await _write_each(conn, writes, results, result_ops)
        tally = Tally(tz)
        for key, was in before.items():
            if key not in refused and key in current:
                tally.change(was, current[key].counted())
        await totals.apply(conn, tally)
        if writes.applied:
            counts: dict[str, int] = {}
            for r in results:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            await audit(conn, user.id, "sync.push", None, req.device_id, None, {"results": counts})
    return {"server_time": now.isoformat(), "results": results}


async def _load_current(conn: AsyncConnection, ops: Sequence[ParsedOp]) -> dict[tuple[str, str], _Current]:
    """What the database holds for every record the ops name, in one statement (a UNION over the kinds)."""
    by_kind: dict[str, set[str]] = {}
    for op in ops:
        by_kind.setdefault(op.kind, set()).add(op.id)
    if not by_kind:
        return {}
    selects = []
    for kind, ids in by_kind.items():
        t = TABLES[kind]
        visit = kind == VISIT
        selects.append(
            sa.select(
                sa.literal(kind).label("kind"),
                t.c.id,
                t.c.planner_id,
                t.c.version,
                t.c.deleted,
                sa.cast(t.c.review if visit else sa.null(), sa.String).label("review"),
                t.c.district_id,
                t.c[OCCURRED_FIELD[kind]].label("at"),
                (t.c.ended_at.is_not(None) if visit else sa.false()).label("ended"),
                (t.c.duration_s if visit else sa.literal(0)).label("duration_s"),
            ).where(one_of(conn, t.c.id, ids))
        )
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    rows = await conn.execute(query)
    return {
        (kind, rid): _Current(
            kind, planner, version, bool(deleted), review, True, district, at, bool(ended), int(seconds)
        )
        for kind, rid, planner, version, deleted, review, district, at, ended, seconds in rows
    }


def _apply(
    op: ParsedOp,
    user: CurrentUser,
    req: PushRequest,
    current: dict[tuple[str, str], _Current],
    writes: _Writes,
    stamps: Stamps,
    placed: int,
    now: datetime,
) -> dict[str, Any]:
    """One op against what the batch knows; an applied op's change takes position ``stamps.at(placed)``."""
    key = (op.kind, op.id)
    cur = current.get(key)
    if cur is not None and cur.planner_id != user.id:
        return _result(op, protocol.REJECTED, None, f"id: {NOT_YOURS}")
    if cur is None:
        if op.base_version != 0:
            return _result(op, protocol.REJECTED, None, f"id: {NOT_YOURS}")
        assert op.clean is not None and op.times is not None
        row = {
            "id": op.id,
            "planner_id": user.id,
            "version": 1,
            **stamps.at(placed),
            "deleted": False,
            "data": op.clean,
            "device_id": req.device_id,
            "received_at": now,
            "updated_at": now,
            **_typed_columns(op.kind, op.clean, op.times),
        }
        if op.kind == VISIT:
            row.update(
                review=PENDING,
                reject_reason=None,
                review_note=None,
                reason_code=None,
                reviewed_by=None,
                reviewed_at=None,
                clock_offset_s=req.clock_offset_s,
            )
        writes.inserts[op.kind][op.id] = row
        review = PENDING if op.kind == VISIT else None
        current[key] = _Current(op.kind, user.id, 1, False, review, False, *_counted_fields(op.kind, row))
        return _result(op, protocol.APPLIED, 1, None)

    reason = None
    if op.base_version != cur.version:
        reason = "stale"
        message = (
            f"base_version: the record is at version {cur.version}, this edit was made on {op.base_version}"
        )
    elif cur.review == CONFIRMED:
        reason = "locked"
        message = "id: the visit is confirmed and locked; the edit is kept for the district staff to resolve"
    elif cur.deleted:
        reason = "deleted"
        message = "id: the record was deleted"
    if reason is not None:
        writes.conflicts.append(
            {
                "user_id": user.id,
                "op_id": op.op_id,
                "device_id": req.device_id,
                "kind": op.kind,
                "record_id": op.id,
                "base_version": op.base_version,
                "server_version": cur.version,
                "reason": reason,
                "data": op.clean,
                "deleted": op.data is None,
                "created_at": now,
            }
        )
        return _result(op, protocol.CONFLICT, cur.version, message)

    version = cur.version + 1
    values: dict[str, Any] = {
        "version": version,
        **stamps.at(placed),
        "device_id": req.device_id,
        "updated_at": now,
    }
    if op.data is None:
        values["deleted"] = True
    else:
        assert op.clean is not None and op.times is not None
        values.update(data=op.clean, **_typed_columns(op.kind, op.clean, op.times))
        cur.district_id, cur.at, cur.ended, cur.duration_s = _counted_fields(op.kind, values)
        if op.kind == VISIT:
            values["clock_offset_s"] = req.clock_offset_s
            if cur.review == REJECTED:
                values["review"] = PENDING
    pending_insert = writes.inserts[op.kind].get(op.id)
    if pending_insert is not None:
        # Created earlier in this same batch: fold the edit into the insert.
        pending_insert.update(values)
    else:
        merged = writes.updates[op.kind].setdefault(op.id, {"b_id": op.id})
        merged.update(values)
    cur.version = version
    cur.deleted = op.data is None
    if op.kind == VISIT and cur.review == REJECTED and op.data is not None:
        cur.review = PENDING
    return _result(op, protocol.APPLIED, version, None)


async def _write(conn: AsyncConnection, writes: _Writes) -> None:
    for kind in KINDS:
        t = TABLES[kind]
        if writes.inserts[kind]:
            await insert_many(conn, t, list(writes.inserts[kind].values()))
        # executemany needs one column set per statement: group the updates by the columns they set.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in writes.updates[kind].values():
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for cols, rows in groups.items():
            stmt = (
                t.update()
                .where(t.c.id == sa.bindparam("b_id"))
                .values({c: sa.bindparam(c) for c in cols if c != "b_id"})
            )
            await conn.execute(stmt, rows)
    if writes.conflicts:
        await conn.execute(_conflicts.insert(), writes.conflicts)
    if writes.applied:
        await insert_many(conn, _ops, writes.applied)


async def _write_each(
    conn: AsyncConnection, writes: _Writes, results: list[dict[str, Any]], result_ops: list[ParsedOp]
) -> set[tuple[str, str]]:
    """The slow path: one savepoint per record; a refused record's applied ops become rejected.

    Returns the (kind, id) of the refused records."""
    refused: set[tuple[str, str]] = set()
    for kind in KINDS:
        t = TABLES[kind]
        for rid, row in writes.inserts[kind].items():
            try:
                async with conn.begin_nested():
                    await conn.execute(t.insert(), [row])
            except (sa.exc.IntegrityError, sa.exc.DataError):
                refused.add((kind, rid))
        for rid, row in writes.updates[kind].items():
            values: dict[str, Any] = {c: sa.bindparam(c) for c in row if c != "b_id"}
            try:
                async with conn.begin_nested():
                    await conn.execute(t.update().where(t.c.id == sa.bindparam("b_id")).values(values), [row])
            except (sa.exc.IntegrityError, sa.exc.DataError):
                refused.add((kind, rid))
    for i, (result, op) in enumerate(zip(results, result_ops, strict=True)):
        if result["status"] == protocol.APPLIED and (op.kind, op.id) in refused:
            results[i] = _result(op, protocol.REJECTED, None, REFUSED)
    pairs = zip(result_ops, results, strict=True)
    refused_ops = {o.op_id for o, r in pairs if r["status"] == protocol.REJECTED}
    writes.applied = [a for a in writes.applied if a["op_id"] not in refused_ops]
    if writes.conflicts:
        await conn.execute(_conflicts.insert(), writes.conflicts)
    if writes.applied:
        await conn.execute(_ops.insert(), writes.applied)
    return refused


def _scope(t: sa.Table, user: CurrentUser) -> sa.ColumnElement[bool]:
    if user.sees_all:
        return sa.true()
    if user.role == PLANNER:
        return t.c.planner_id == user.id
    if user.role == DISTRICT:
        return t.c.district_id.in_(sorted(user.district_ids)) if user.district_ids else sa.false()
    return sa.false()


class ChangeShaper:
    """Shapes records as pulled changes, with what every row of a pull needs looked up once per pull:
    the zone, the profile's flag rules, the local date of ``now`` (a page is up to 1,000 rows)."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        exc = settings.profile.exceptions
        self.zone = ZoneInfo(settings.tz)
        self.today = now.astimezone(self.zone).date()
        self.skew_s = None if exc.clock_skew_minutes is None else exc.clock_skew_minutes * 60
        self.late = None if exc.late_sync_days is None else timedelta(days=exc.late_sync_days)

    def change(self, kind: str, row: Any) -> dict[str, Any]:
        deleted = bool(row.deleted)
        data = row.data
        if isinstance(data, str):
            # A pull reads ``data`` as the database's JSON text (`_PULLED`): it goes out as it is, not
            # decoded into objects and encoded again.
            data = msgspec.Raw(data)
        return {
            "kind": kind,
            "id": row.id,
            "version": row.version,
            "deleted": deleted,
            "data": None if deleted else data,
            "state": self.state(kind, row),
        }

    def state(self, kind: str, row: Any) -> dict[str, Any]:
        """The server-set fields of a record as pulled: review, hours, flags."""
        state: dict[str, Any] = {
            "planner_id": row.planner_id,
            "district_id": row.district_id,
            "received_at": row.received_at.isoformat(),
            "seq": row.seq,
        }
        if kind != VISIT:
            return state
        reviewed_at = row.reviewed_at.isoformat() if row.reviewed_at else None
        state["review"] = row.review
        state["reject_reason"] = row.reject_reason
        state["review_note"] = row.review_note
        state["reason_code"] = row.reason_code
        state["reviewed_by"] = row.reviewed_by
        state["reviewed_at"] = reviewed_at
        state["confirmed_at"] = reviewed_at if row.review == CONFIRMED else None
        state["hours"] = hours(row.duration_s)
        state["clock_offset_s"] = row.clock_offset_s
        state["flags"] = self.flags(row)
        return state

    def flags(self, row: Any) -> list[str]:
        """As `shared.rules.left_open_overnight` and the profile's exception rules decide, from the typed
        copies of the visit's times (the same instants as in its ``data``)."""
        started, end = row.started_at, row.ended_at
        flags: list[str] = []
        if started is None:
            return flags
        end_day = self.today if end is None else end.astimezone(self.zone).date()
        if end_day > started.astimezone(self.zone).date():
            flags.append("open_overnight")
        skew = row.clock_offset_s
        if self.skew_s is not None and skew is not None and abs(skew) > self.skew_s:
            flags.append("clock_skew")
        if self.late is not None and end is not None and row.received_at - end > self.late:
            flags.append("late_sync")
        return flags


def record_state(kind: str, row: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    """The server-set fields of a record as pulled: review, hours, flags."""
    return ChangeShaper(settings, now).state(kind, row)


def change_of(kind: str, row: Any, settings: Settings, now: datetime) -> dict[str, Any]:
    return ChangeShaper(settings, now).change(kind, row)


#: The columns a pull reads, ``data`` as JSON text (`ChangeShaper.change` sends it on as it is).
_PULLED = {
    kind: [
        sa.cast(c, sa.Text).label("data") if c.name == "data" else c
        for c in t.c
        if c.name not in {"updated_at", "device_id"}
    ]
    for kind, t in TABLES.items()
}

#: A pulled row as a plain named tuple: a page reads about fifteen fields of each of up to 1,000 rows,
#: and a field of a SQLAlchemy row costs ten times a tuple's.
_PULLED_ROW: dict[str, Any] = {
    kind: namedtuple(f"Pulled_{kind}", [c.name for c in cols]) for kind, cols in _PULLED.items()
}


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return protocol.DEFAULT_PULL_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request("limit", "must be a whole number") from None
    if not 1 <= limit <= protocol.MAX_PULL_LIMIT:
        raise bad_request("limit", f"must be between 1 and {protocol.MAX_PULL_LIMIT}")
    return limit


async def pull(
    db: Database, settings: Settings, user: CurrentUser, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The changes ``user`` may see after ``cursor``, in the order of changes (shared/protocol.py)."""
    try:
        after = protocol.decode_cursor(cursor)
    except ValueError:
        raise bad_request("cursor", "is not a cursor this server gave out") from None
    now = utcnow()
    rows: list[tuple[protocol.Position, str, Any]] = []
    async with db.read() as conn:
        # First: every transaction below it has ended, so the reads below see all of their changes.
        horizon = await pull_horizon(conn)
        for kind, t in TABLES.items():
            result = await conn.execute(
                sa.select(*_PULLED[kind])
                .where(_scope(t, user), *after_position(t, after, horizon))
                .order_by(*position_order(t, horizon))
                .limit(limit + 1)
            )
            make = _PULLED_ROW[kind]._make
            rows.extend((protocol.Position(row.txid, row.seq), kind, row) for row in map(make, result))
        # Invitations to consultation activities (server.activities), already shaped as changes.
        rows.extend(
            (position, INVITATION, change)
            for position, change in await invitation_changes(conn, user, after, horizon, limit + 1)
        )
    rows.sort(key=lambda x: x[0])
    page = rows[:limit]
    last = page[-1][0] if page else after
    shape = ChangeShaper(settings, now).change
    return {
        "changes": [r if kind == INVITATION else shape(kind, r) for _, kind, r in page],
        "cursor": protocol.encode_cursor(last.seq, last.txid),
        "has_more": len(rows) > limit,
    }
