"""The phone's local store: records, their outbox, conflicts, photos and sync metadata in one SQLite file.

Every save writes the record and its outbox operation in one transaction before anything else happens
(shared/protocol.py describes the algorithm). The schema carries its own ordered migrations, each a list
of SQL steps run in one transaction, so an older phone database upgrades in place without losing data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_str  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine

from shared.protocol import PROJECT, SITE, SITE_GONE, SITE_LIVE, SITE_RETIRED
from shared.records import KINDS, OPINION, VISIT, RecordError, new_id, occurred_at, parse_time, validate
from shared.rules import CONFIRMED, REJECTED, VisitFacts, counted_visits, local_year, visit_hours, year_bounds

#: Outbox operation states. ``sent`` means the request may have reached the server (outcome unknown).
PENDING: Final = "pending"
SENT: Final = "sent"
CONFLICT: Final = "conflict"
OP_REJECTED: Final = "rejected"

INVITATION: Final = "invitation"

# Ordered migrations: index i upgrades schema version i to i + 1. Never edit a shipped step; append.
MIGRATIONS: Final[list[list[str]]] = [
    [
        "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)",
        """CREATE TABLE records (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            server_version INTEGER NOT NULL DEFAULT 0,
            server_data TEXT,
            server_seen_version INTEGER NOT NULL DEFAULT 0,
            review TEXT,
            reject_reason TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX records_kind ON records (kind)",
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            base_version INTEGER,
            data TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_record ON outbox (record_id, seq)",
        """CREATE TABLE conflicts (
            record_id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            op_id TEXT NOT NULL,
            mine TEXT NOT NULL,
            server_version INTEGER,
            error TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY NOT NULL,
            size INTEGER NOT NULL,
            has_thumb INTEGER NOT NULL DEFAULT 0,
            uploaded_at TEXT,
            created_at TEXT NOT NULL
        )""",
    ],
    [
        # v2: a sortable UTC time of the work itself, tombstones, invitations and unknown pulled kinds.
        "ALTER TABLE records ADD COLUMN occurred_at TEXT",
        "ALTER TABLE records ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0",
        """UPDATE records SET occurred_at = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(data,
            CASE kind WHEN 'visit' THEN '$.started_at' WHEN 'opinion' THEN '$.issued_at'
                      ELSE '$.collected_at' END))""",
        "CREATE INDEX records_occurred ON records (occurred_at)",
        """CREATE TABLE invitations (
            id TEXT PRIMARY KEY NOT NULL,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE foreign_changes (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, id)
        )""",
    ],
    [
        # v3: the districts and their known sites (fetched after the pull), and records the planner deleted
        # on this phone whose tombstone waits for the server.
        """CREATE TABLE sites (
            district_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            lat REAL,
            lon REAL,
            last_at TEXT,
            uses INTEGER NOT NULL DEFAULT 0,
            aliases TEXT NOT NULL DEFAULT '[]',
            search TEXT NOT NULL,
            round INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (district_id, kind, name)
        )""",
        """CREATE TABLE districts (
            id INTEGER PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            area TEXT,
            position INTEGER NOT NULL
        )""",
        "ALTER TABLE records ADD COLUMN removed INTEGER NOT NULL DEFAULT 0",
    ],
]
SCHEMA_VERSION: Final = len(MIGRATIONS)

#: What `LocalStore.delete` did: the record was only on this phone and is gone, or a tombstone waits.
DELETED: Final = "deleted"
TOMBSTONE: Final = "tombstone"


@dataclass(frozen=True)
class LocalRecord:
    kind: str
    id: str
    data: dict[str, Any]
    server_version: int
    review: str | None
    reject_reason: str | None
    state: dict[str, Any]
    dirty: bool
    op_state: str | None
    op_error: str | None
    photos_total: int
    photos_uploaded: int
    created_at: datetime
    updated_at: datetime
    #: True when the server deleted the record while this phone still had an unsynced edit of it.
    deleted_on_server: bool = False
    #: True when the server has the record or may have it (a request carried an op of it): after that an
    #: edit needs a base version and a delete becomes a tombstone.
    on_server: bool = False


@dataclass(frozen=True)
class LocalConflict:
    record_id: str
    kind: str
    op_id: str
    #: The edit the server refused to merge (the phone's latest data for the record).
    mine: dict[str, Any]
    #: The server's copy as last pulled; None until a pull has brought it.
    theirs: dict[str, Any] | None
    server_version: int | None
    error: str | None
    created_at: datetime
    #: True when the refused op deletes the record (the planner deleted it on this phone).
    deleting: bool = False


@dataclass(frozen=True)
class YearProgress:
    year: int
    visits_confirmed: int
    visits_pending: int
    hours_confirmed: float
    hours_pending: float


@dataclass(frozen=True)
class OutgoingOp:
    """An outbox operation as it goes on the wire (base_version already fixed)."""

    seq: int
    op_id: str
    kind: str
    record_id: str
    base_version: int
    #: The record data as the JSON text stored in the outbox (sent as is, never re-encoded).
    data_json: str

    @property
    def data(self) -> dict[str, Any] | None:
        """The record data; None for a delete."""
        value: dict[str, Any] | None = json.loads(self.data_json)
        return value

    def wire(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "kind": self.kind,
            "id": self.record_id,
            "base_version": self.base_version,
            "data": self.data,
        }

    def wire_json(self) -> str:
        """The op as JSON text, with the stored data spliced in: no decode and re-encode per record.

        The three strings go through the json module's C string encoder: a whole ``json.dumps`` per op was
        a third of the phone's push time for 10,000 records.
        """
        return (
            f'{{"op_id":{_json_str(self.op_id)},"kind":{_json_str(self.kind)},'
            f'"id":{_json_str(self.record_id)},"base_version":{int(self.base_version)},'
            f'"data":{self.data_json}}}'
        )


@dataclass
class PushOutcome:
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LocalDistrict:
    """A district the planner serves, as the server last listed it."""

    id: int
    name: str
    #: The planner's responsibility area there (`shared.geo.area_from_json` reads it), or None.
    area: dict[str, Any] | None


@dataclass(frozen=True)
class KnownSite:
    """A site or project of a district, as the server last described it (shared/protocol.py, Sites)."""

    district_id: int
    kind: str
    name: str
    #: ``live`` (offer it) or ``retired`` (staff took it off the lists).
    state: str
    lat: float | None
    lon: float | None
    last_at: datetime | None
    uses: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RecordPlace:
    """A place one of this phone's own records names (the server may not have it yet)."""

    district_id: int | None
    kind: str
    name: str
    lat: float | None
    lon: float | None
    at: datetime | None


@dataclass(frozen=True)
class SitesPage:
    """What applying one page of sites did."""

    changed: int
    has_more: bool
    #: After the last page: this phone holds another number of live sites than the server counts, so some
    #: were lost to it; `LocalStore.start_sites_round` fetches the whole list again.
    behind: bool


#: Where each site kind comes from among the phone's own records: the record kind and its naming field.
SITE_SOURCES: Final = {SITE: (VISIT, "site"), PROJECT: (OPINION, "subject")}


def _now() -> str:
    return _utc(datetime.now(UTC))


def _utc(dt: datetime) -> str:
    # One fixed UTC format so that text order is time order in SQL: 2026-03-01T01:00:00.000000Z. Spelt
    # with isoformat, a fifth of strftime's time, as a pull stamps every record it stores.
    return dt.astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"


def _parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _compact_encoder() -> Any:
    """The json module's C encoder, made once: ``json.dumps`` builds an encoder per call, and a pulled
    page of 1,000 records is 2,000 calls. Where the C encoder is missing, ``json.dumps`` itself."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    # markers=None: no cycle check, as these values come from JSON and are trees.
    return make(None, _refuse, _json_str, None, ":", ",", False, False, True)


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODE: Final = _compact_encoder()


def _dumps(value: Any) -> str:
    if _ENCODE is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_ENCODE(value, 0))


def _occurred_utc(kind: str, data: Mapping[str, Any]) -> str | None:
    try:
        return _utc(parse_time(occurred_at(kind, data)))
    except (KeyError, ValueError, TypeError):
        return None


def migrate(conn: Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version ``upto`` inside the caller's transaction; returns the old version."""
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.exec_driver_sql("SELECT version FROM schema_version").first()
    current = int(row[0]) if row else 0
    if row is None:
        conn.exec_driver_sql("INSERT INTO schema_version (version) VALUES (0)")
    if current > SCHEMA_VERSION:
        raise RuntimeError(f"local database has schema {current}, newer than this app ({SCHEMA_VERSION})")
    for version in range(current, upto):
        for step in MIGRATIONS[version]:
            conn.exec_driver_sql(step)
        conn.exec_driver_sql("UPDATE schema_version SET version = ?", (version + 1,))
    return current


def make_engine(path: Path | str) -> Engine:
    """A SQLAlchemy engine on a SQLite file whose transactions are real (DDL included) and durable."""
    engine = create_engine(
        f"sqlite:///{Path(path)}", connect_args={"timeout": 30, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock up front, so two writers never deadlock on a lock upgrade.
        immediate = conn.get_execution_options().get("fieldlog_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class LocalStore:
    """The phone's SQLite store. Thread-safe: the UI saves while the sync engine runs in a thread."""

    def __init__(self, path: Path | str, *, photo_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.photo_dir = Path(photo_dir) if photo_dir is not None else self.path.parent / "photos"
        self._lock = threading.RLock()
        self._engine = make_engine(self.path)
        with self._tx() as c:
            migrate(c)
        self._device_id: str | None = None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ---

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock, self._engine.connect() as conn:
            conn.execution_options(fieldlog_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    # --- metadata ---

    @property
    def device_id(self) -> str:
        if self._device_id is None:
            with self._tx() as c:
                row = c.exec_driver_sql("SELECT value FROM meta WHERE key = 'device_id'").first()
                if row is None:
                    value = str(uuid.uuid4())
                    c.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('device_id', ?)", (value,))
                else:
                    value = str(row[0])
            self._device_id = value
        return self._device_id

    def get_meta(self, key: str) -> str | None:
        with self._read() as c:
            row = c.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (key,)).first()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str | None) -> None:
        with self._tx() as c:
            _set_meta(c, key, value)

    def last_sync_at(self) -> datetime | None:
        value = self.get_meta("last_sync_at")
        return None if value is None else _parse_stamp(value)

    def clock_offset_s(self) -> float | None:
        value = self.get_meta("clock_offset_s")
        return None if value is None else float(value)

    # --- records ---

    def save(self, kind: str, data: dict[str, Any], record_id: str | None = None) -> str:
        """Validate and store a record with its outbox operation in one transaction; returns its id."""
        clean = validate(kind, data)
        if record_id is not None:
            record_id = str(uuid.UUID(record_id)) if _is_uuid(record_id) else record_id
        with self._tx() as c:
            return self._save(c, kind, clean, record_id, _now())

    def save_many(self, kind: str, items: Iterable[dict[str, Any]]) -> list[str]:
        """Save many new records in one transaction (imports, tests, benchmarks); all or none."""
        cleaned = [validate(kind, d) for d in items]
        now = _now()
        last_district = next(
            (str(d["district_id"]) for d in reversed(cleaned) if isinstance(d.get("district_id"), int)), None
        )
        ids = [new_id() for _ in cleaned]
        rec_rows = [
            {"id": i, "kind": kind, "data": _dumps(d), "now": now, "occ": _occurred_utc(kind, d)}
            for i, d in zip(ids, cleaned, strict=True)
        ]
        op_rows = [
            {"op_id": new_id(), "kind": kind, "rid": i, "data": r["data"], "now": now}
            for i, r in zip(ids, rec_rows, strict=True)
        ]
        with self._tx() as c:
            if rec_rows:
                c.execute(_INSERT_RECORD, rec_rows)
                c.execute(_INSERT_OP, op_rows)
            if last_district is not None:
                _set_meta(c, "last_district", last_district)
        return ids

    def _save(self, c: Connection, kind: str, clean: dict[str, Any], record_id: str | None, now: str) -> str:
        data = _dumps(clean)
        if isinstance(clean.get("district_id"), int):
            _set_meta(c, "last_district", str(clean["district_id"]))
        occ = _occurred_utc(kind, clean)
        row = None
        if record_id is not None:
            row = c.exec_driver_sql("SELECT kind, removed FROM records WHERE id = ?", (record_id,)).first()
        if row is not None and row[1]:
            raise RecordError("id", f"record {record_id} was deleted on this phone")
        if row is None:
            rid = record_id or new_id()
            c.execute(_INSERT_RECORD, {"id": rid, "kind": kind, "data": data, "now": now, "occ": occ})
            c.execute(_INSERT_OP, {"op_id": new_id(), "kind": kind, "rid": rid, "data": data, "now": now})
            return rid
        if row[0] != kind:
            raise RecordError("kind", f"record {record_id} is a {row[0]}, not a {kind}")
        assert record_id is not None
        c.exec_driver_sql(
            "UPDATE records SET data = ?, occurred_at = ?, updated_at = ? WHERE id = ?",
            (data, occ, now, record_id),
        )
        last = c.exec_driver_sql(
            "SELECT seq, state, sent_at FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
            (record_id,),
        ).first()
        if last is not None and ((last[1] == PENDING and last[2] is None) or last[1] == OP_REJECTED):
            # Never sent, or sent and refused with nothing stored: the same op may carry the new data.
            c.exec_driver_sql(
                "UPDATE outbox SET data = ?, state = ?, error = NULL, sent_at = NULL WHERE seq = ?",
                (data, PENDING, last[0]),
            )
        else:
            c.execute(
                _INSERT_OP, {"op_id": new_id(), "kind": kind, "rid": record_id, "data": data, "now": now}
            )
        return record_id

    def delete(self, kind: str, record_id: str) -> str:
        """Delete a record the planner made; returns `DELETED` or `TOMBSTONE`.

        A record no request has carried yet is only on this phone: it goes with its ops, its conflict and
        the photos no other record shows (`DELETED`), so the server never hears of it. Otherwise the server
        has it or may have it: the record disappears from the lists and a delete op (``data: null``) waits
        behind the record's earlier ops (`TOMBSTONE`); the op rewrites the newest op if no request carried
        that one yet. A refused edit waiting for a person is dropped: the planner wants the record gone.
        Raises `RecordError` naming ``id`` (no such record here) or ``kind``.
        """
        released: list[str] = []
        with self._tx() as c:
            row = c.exec_driver_sql(
                "SELECT kind, server_version, server_seen_version, removed FROM records WHERE id = ?",
                (record_id,),
            ).first()
            if row is None or row[3]:
                raise RecordError("id", f"no record {record_id} on this phone")
            if row[0] != kind:
                raise RecordError("kind", f"record {record_id} is a {row[0]}, not a {kind}")
            ops = c.exec_driver_sql(
                "SELECT seq, state, sent_at FROM outbox WHERE record_id = ? ORDER BY seq", (record_id,)
            ).all()
            carried = any(st in (SENT, CONFLICT) or sent_at is not None for _, st, sent_at in ops)
            if not row[1] and not carried:
                released = _forget(c, record_id)
                result = DELETED
            else:
                now = _now()
                c.exec_driver_sql(
                    "UPDATE records SET removed = 1, updated_at = ? WHERE id = ?", (now, record_id)
                )
                conflict = c.exec_driver_sql(
                    "SELECT server_version FROM conflicts WHERE record_id = ?", (record_id,)
                ).first()
                if conflict is not None:
                    known = max(int(conflict[0] or 0), int(row[2] or 0), int(row[1] or 0))
                    c.exec_driver_sql(
                        "DELETE FROM outbox WHERE record_id = ? AND state = ?", (record_id, CONFLICT)
                    )
                    c.exec_driver_sql("DELETE FROM conflicts WHERE record_id = ?", (record_id,))
                    c.exec_driver_sql(
                        "UPDATE records SET server_version = ? WHERE id = ?", (known, record_id)
                    )
                last = c.exec_driver_sql(
                    "SELECT seq, state, sent_at FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
                    (record_id,),
                ).first()
                if last is not None and ((last[1] == PENDING and last[2] is None) or last[1] == OP_REJECTED):
                    c.exec_driver_sql(
                        "UPDATE outbox SET data = ?, state = ?, error = NULL, sent_at = NULL WHERE seq = ?",
                        (_NULL, PENDING, last[0]),
                    )
                else:
                    c.execute(
                        _INSERT_OP,
                        {"op_id": new_id(), "kind": kind, "rid": record_id, "data": _NULL, "now": now},
                    )
                result = TOMBSTONE
        self._unlink_photos(released)
        return result

    def deletes_waiting(self) -> int:
        """Records deleted on this phone whose tombstone the server has not applied yet."""
        with self._read() as c:
            return int(c.exec_driver_sql("SELECT count(*) FROM records WHERE removed = 1").scalar_one())

    def _unlink_photos(self, digests: Iterable[str]) -> None:
        for digest in digests:
            for path in (self._photo_file(digest), self._thumb_file(digest)):
                with contextlib.suppress(OSError):
                    path.unlink()

    def get(self, kind: str, record_id: str) -> LocalRecord | None:
        found = self._load("AND r.kind = ? AND r.id = ?", (kind, record_id))
        return found[0] if found else None

    def records(self, kind: str | None = None) -> list[LocalRecord]:
        """Records newest first (by the time of the work, then by when they were made).

        A record the planner deleted on this phone is not among them, even while its tombstone waits."""
        if kind is None:
            return self._load("", ())
        return self._load("AND r.kind = ?", (kind,))

    def _load(self, where: str, params: tuple[Any, ...]) -> list[LocalRecord]:
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT r.kind, r.id, r.data, r.server_version, r.review, r.reject_reason, r.state,"
                " r.created_at, r.updated_at, r.deleted FROM records r WHERE r.removed = 0 "
                + where
                + " ORDER BY r.occurred_at DESC, r.created_at DESC, r.id",
                params,
            ).all()
            ids = {r[1] for r in rows}
            ops: dict[str, list[tuple[str, str | None]]] = {}
            op_rows = (
                c.exec_driver_sql("SELECT record_id, state, error, sent_at FROM outbox ORDER BY seq").all()
                if rows
                else []
            )
            sent: set[str] = set()
            for rid, st, err, sent_at in op_rows:
                if rid in ids:
                    ops.setdefault(rid, []).append((st, err))
                    if st in (SENT, CONFLICT) or sent_at is not None:
                        sent.add(rid)
            waiting = {
                r[0] for r in c.exec_driver_sql("SELECT sha256 FROM photos WHERE uploaded_at IS NULL").all()
            }
        out: list[LocalRecord] = []
        for kind, rid, data, version, review, reason, state, created, updated, deleted in rows:
            d = json.loads(data)
            photos = d.get("photos") or []
            op_state, op_error = _op_summary(ops.get(rid, []))
            out.append(
                LocalRecord(
                    kind=kind,
                    id=rid,
                    data=d,
                    server_version=int(version),
                    review=review,
                    reject_reason=reason,
                    state=json.loads(state or "{}"),
                    dirty=rid in ops,
                    op_state=op_state,
                    op_error=op_error,
                    photos_total=len(photos),
                    photos_uploaded=sum(1 for p in photos if p not in waiting),
                    created_at=_parse_stamp(created),
                    updated_at=_parse_stamp(updated),
                    deleted_on_server=bool(deleted),
                    on_server=int(version) > 0 or rid in sent,
                )
            )
        return out

    def outbox_count(self) -> int:
        """Operations not yet accepted by the server (waiting, in flight, in conflict or refused)."""
        with self._read() as c:
            return int(c.exec_driver_sql("SELECT count(*) FROM outbox").scalar_one())

    def sendable_count(self) -> int:
        """Operations a sync would send now (not held by a conflict or a refusal)."""
        with self._read() as c:
            return int(
                c.exec_driver_sql(
                    "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent')"
                ).scalar_one()
            )

    def invitations(self) -> list[dict[str, Any]]:
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT id, version, data, state FROM invitations WHERE deleted = 0 ORDER BY updated_at DESC"
            ).all()
        return [
            {"id": r[0], "version": r[1], "data": json.loads(r[2] or "null"), "state": json.loads(r[3])}
            for r in rows
        ]

    # --- conflicts ---

    def conflicts(self) -> list[LocalConflict]:
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT k.record_id, k.kind, k.op_id, r.data, r.server_data, k.server_version,"
                " r.server_seen_version, k.error, k.created_at, r.removed"
                " FROM conflicts k JOIN records r ON r.id = k.record_id ORDER BY k.created_at"
            ).all()
        return [
            LocalConflict(
                record_id=r[0],
                kind=r[1],
                op_id=r[2],
                mine=json.loads(r[3]),
                theirs=None if r[4] is None else json.loads(r[4]),
                server_version=max(int(r[5] or 0), int(r[6] or 0)) or None,
                error=r[7],
                created_at=_parse_stamp(r[8]),
                deleting=bool(r[9]),
            )
            for r in rows
        ]

    def resolve_conflict(self, record_id: str, *, keep_mine: bool) -> None:
        """Keep the phone's edit (re-queued on the server's current version) or take the server's copy.

        For a refused delete, keeping mine queues the delete again on that version; taking theirs brings
        the record back on this phone."""
        with self._tx() as c:
            k = c.exec_driver_sql(
                "SELECT k.kind, k.server_version, r.server_seen_version, r.server_data, r.data, r.removed"
                " FROM conflicts k JOIN records r ON r.id = k.record_id WHERE k.record_id = ?",
                (record_id,),
            ).first()
            if k is None:
                raise KeyError(f"no conflict for record {record_id}")
            kind, k_version, seen, server_data, data, removed = k
            server_version = max(int(k_version or 0), int(seen or 0))
            c.exec_driver_sql("DELETE FROM outbox WHERE record_id = ?", (record_id,))
            c.exec_driver_sql("DELETE FROM conflicts WHERE record_id = ?", (record_id,))
            now = _now()
            if removed and keep_mine:
                data = _NULL
            elif removed:
                c.exec_driver_sql("UPDATE records SET removed = 0 WHERE id = ?", (record_id,))
            if keep_mine:
                c.exec_driver_sql(
                    "UPDATE records SET server_version = ? WHERE id = ?", (server_version, record_id)
                )
                c.execute(
                    _INSERT_OP, {"op_id": new_id(), "kind": kind, "rid": record_id, "data": data, "now": now}
                )
                c.exec_driver_sql(
                    "UPDATE outbox SET base_version = ? WHERE record_id = ?", (server_version, record_id)
                )
            elif server_data is not None:
                theirs = json.loads(server_data)
                c.exec_driver_sql(
                    "UPDATE records SET data = ?, server_version = ?, occurred_at = ?, updated_at = ?"
                    " WHERE id = ?",
                    (server_data, server_version, _occurred_utc(kind, theirs), now, record_id),
                )
            else:
                # The server's copy has not been pulled yet: drop the edit, keep the data until the next pull.
                c.exec_driver_sql(
                    "UPDATE records SET server_version = ? WHERE id = ?", (server_version, record_id)
                )

    # --- photos ---

    def add_photo(self, jpeg: bytes, thumb: bytes | None = None) -> str:
        digest = hashlib.sha256(jpeg).hexdigest()
        files = [(self._photo_file(digest), jpeg)]
        if thumb is not None:
            files.append((self._thumb_file(digest), thumb))
        written: list[Path] = []
        try:
            for path, payload in files:
                if not path.exists():
                    _atomic_write(path, payload)
                    written.append(path)
            with self._tx() as c:
                c.exec_driver_sql(
                    "INSERT INTO photos (sha256, size, has_thumb, created_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (sha256) DO UPDATE SET has_thumb = max(has_thumb, excluded.has_thumb)",
                    (digest, len(jpeg), int(thumb is not None), _now()),
                )
        except BaseException:
            # A full phone must not keep half a photo: what this call wrote goes, what was there stays.
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        return digest

    def outbox_bytes(self) -> int:
        """The bytes of record data waiting in the outbox, as they will be sent."""
        with self._read() as c:
            return int(c.exec_driver_sql("SELECT coalesce(sum(length(data)), 0) FROM outbox").scalar_one())

    def bytes_on_disk(self) -> int:
        """What this store takes on the phone: the SQLite file and its journal, and every photo file."""
        files = [self.path.with_name(self.path.name + suffix) for suffix in ("", "-wal", "-shm")]
        if self.photo_dir.is_dir():
            files += [p for p in self.photo_dir.rglob("*") if p.is_file()]
        size = 0
        for path in files:
            with contextlib.suppress(OSError):
                size += path.stat().st_size
        return size

    def waiting_photos(self) -> tuple[int, int]:
        """Photos the server has not confirmed yet: how many, and the bytes they take on the phone."""
        with self._read() as c:
            digests = [
                r[0] for r in c.exec_driver_sql("SELECT sha256 FROM photos WHERE uploaded_at IS NULL").all()
            ]
        size = 0
        for digest in digests:
            for path in (self._photo_file(digest), self._thumb_file(digest)):
                with contextlib.suppress(OSError):
                    size += path.stat().st_size
        return len(digests), size

    def photo_uploaded(self, sha256: str) -> bool:
        """The server confirmed it holds this photo (its digest): from then on it is the server's too."""
        with self._read() as c:
            row = c.exec_driver_sql("SELECT uploaded_at FROM photos WHERE sha256 = ?", (sha256,)).first()
        return row is not None and row[0] is not None

    def forget_photo(self, sha256: str) -> bool:
        """Delete a photo from the phone when nothing needs it any more: the server never got it and no
        record on the phone shows it. Returns whether it was deleted (a photo still needed stays)."""
        _check_digest(sha256)
        with self._tx() as c:
            row = c.exec_driver_sql("SELECT uploaded_at FROM photos WHERE sha256 = ?", (sha256,)).first()
            shown = c.exec_driver_sql(
                "SELECT 1 FROM records r, json_each(r.data, '$.photos') j WHERE j.value = ? LIMIT 1",
                (sha256,),
            ).first()
            if row is None or row[0] is not None or shown is not None:
                return False
            c.exec_driver_sql("DELETE FROM photos WHERE sha256 = ?", (sha256,))
        for path in (self._photo_file(sha256), self._thumb_file(sha256)):
            with contextlib.suppress(OSError):
                path.unlink()
        return True

    def photo_path(self, sha256: str) -> Path | None:
        p = self._photo_file(sha256)
        return p if p.exists() else None

    def thumb_path(self, sha256: str) -> Path | None:
        p = self._thumb_file(sha256)
        return p if p.exists() else None

    def _photo_file(self, sha256: str) -> Path:
        _check_digest(sha256)
        return self.photo_dir / sha256[:2] / f"{sha256}.jpg"

    def _thumb_file(self, sha256: str) -> Path:
        _check_digest(sha256)
        return self.photo_dir / sha256[:2] / f"{sha256}.thumb.jpg"

    def photos_to_upload(self) -> list[str]:
        """Local photos not yet confirmed by the server, referenced by a record the server already has."""
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT DISTINCT p.sha256 FROM records r, json_each(r.server_data, '$.photos') j"
                " JOIN photos p ON p.sha256 = j.value"
                " WHERE r.server_data IS NOT NULL AND r.removed = 0 AND p.uploaded_at IS NULL"
                " ORDER BY p.created_at"
            ).all()
        return [r[0] for r in rows]

    def mark_photos_uploaded(self, digests: Iterable[str]) -> None:
        now = _now()
        rows = [(now, d) for d in digests]
        if rows:
            with self._tx() as c:
                c.exec_driver_sql("UPDATE photos SET uploaded_at = ? WHERE sha256 = ?", rows)

    def release_confirmed_photos(self) -> list[str]:
        """Delete the full-size copy of photos the server holds and whose records are all settled.

        A photo goes only when the server has confirmed its digest *and* every record that shows it has been
        confirmed by district staff with no local edit waiting: until then the planner may still need the
        original to fix or resend a record. The thumbnail stays for the lists. Returns the released digests.
        """
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT p.sha256 FROM photos p WHERE p.uploaded_at IS NOT NULL AND NOT EXISTS ("
                " SELECT 1 FROM records r, json_each(r.data, '$.photos') j"
                " WHERE j.value = p.sha256 AND (r.review IS NOT 'confirmed'"
                " OR EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = r.id)))"
                " AND EXISTS (SELECT 1 FROM records r, json_each(r.data, '$.photos') j"
                " WHERE j.value = p.sha256)"
            ).all()
        released = []
        for (digest,) in rows:
            path = self._photo_file(digest)
            if path.exists():
                path.unlink()
                released.append(digest)
        return released

    # --- sync support (used by app.sync) ---

    def take_push_batch(self, limit: int, *, after_seq: int | None = None) -> list[OutgoingOp]:
        """The next ops to send: the oldest op of each record, its base_version fixed, marked sent.

        Marking happens (and is committed) before the request leaves, so after a crash the phone knows the
        op may have arrived. A record's later op waits until the earlier one's outcome is known, so its
        base is the version that outcome produced.

        ``after_seq`` takes only ops queued after that one: the sync engine prepares the next batch while
        the previous one is still on the server, and those ops (still in the outbox, marked sent) must not
        be taken twice. A record with an op in flight is never taken (its oldest op is the one in flight).
        """
        with self._tx() as c:
            # One statement: the records' versions come with the ops (a LEFT JOIN, 0 for no record yet).
            rows = c.exec_driver_sql(
                "SELECT o.seq, o.op_id, o.kind, o.record_id, coalesce(o.base_version, r.server_version, 0),"
                " o.data FROM outbox o LEFT JOIN records r ON r.id = o.record_id"
                " WHERE o.seq > ? AND o.state IN ('pending', 'sent')"
                " AND o.seq = (SELECT min(seq) FROM outbox x WHERE x.record_id = o.record_id)"
                " ORDER BY o.seq LIMIT ?",
                (-1 if after_seq is None else after_seq, limit),
            ).all()
            if not rows:
                return []
            now = _now()
            out = [
                OutgoingOp(seq, op_id, kind, rid, int(base), data)
                for seq, op_id, kind, rid, base, data in rows
            ]
            c.exec_driver_sql(
                "UPDATE outbox SET base_version = ?, state = 'sent', sent_at = ? WHERE seq = ?",
                [(op.base_version, now, op.seq) for op in out],
            )
        return out

    def apply_push_results(
        self, ops: Sequence[OutgoingOp], results: Sequence[Mapping[str, Any]]
    ) -> PushOutcome:
        """Apply one push answer in one transaction (applied/duplicate, conflict, rejected)."""
        by_id = {op.op_id: op for op in ops}
        outcome = PushOutcome()
        applied: list[tuple[int, int, str, int, str]] = []
        done: list[tuple[int]] = []
        conflicts: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        now = _now()
        for res in results:
            op = by_id.get(str(res.get("op_id")))
            if op is None:
                continue
            status = res.get("status")
            if status == "duplicate":
                outcome.duplicates += 1
                original = res.get("original")
                status = "applied" if original in (None, "applied") else original
            version = res.get("version")
            error = res.get("error")
            if status == "applied":
                if status == res.get("status"):
                    outcome.applied += 1
                v = int(version or 0)
                applied.append((v, v, op.data_json, v, op.record_id))
                done.append((op.seq,))
            elif status == "conflict":
                outcome.conflicts += 1
                conflicts.append(
                    {
                        "seq": op.seq,
                        "rid": op.record_id,
                        "kind": op.kind,
                        "op_id": op.op_id,
                        "mine": op.data_json,
                        "v": version,
                        "error": error,
                        "now": now,
                    }
                )
            else:
                outcome.rejected += 1
                outcome.errors.append(f"{op.kind} {op.record_id}: {error}")
                rejected.append({"seq": op.seq, "rid": op.record_id, "error": error or "rejected"})
        released: list[str] = []
        with self._tx() as c:
            if applied:
                c.exec_driver_sql(
                    "UPDATE records SET server_version = ?,"
                    " server_data = CASE WHEN ? >= server_seen_version THEN ? ELSE server_data END,"
                    " server_seen_version = max(server_seen_version, ?) WHERE id = ?",
                    applied,
                )
                c.exec_driver_sql("DELETE FROM outbox WHERE seq = ?", done)
                settled = {seq for (seq,) in done}
                for op in ops:
                    if op.data_json == _NULL and op.seq in settled and not _has_ops(c, op.record_id):
                        # The server holds the tombstone: nothing of the record is needed here any more.
                        released += _forget(c, op.record_id)
            if conflicts:
                c.execute(
                    text("UPDATE outbox SET state = 'conflict', error = :error WHERE seq = :seq"), conflicts
                )
                c.execute(
                    text(
                        "INSERT OR REPLACE INTO conflicts"
                        " (record_id, kind, op_id, mine, server_version, error, created_at)"
                        " VALUES (:rid, :kind, :op_id, :mine, :v, :error, :now)"
                    ),
                    conflicts,
                )
            for r in rejected:
                gone = c.exec_driver_sql(
                    "SELECT 1 FROM records WHERE id = ? AND removed = 1 AND server_version = 0", (r["rid"],)
                ).first()
                if gone is not None:
                    # Deleted here, and the server refused the record's first op: it never had the record.
                    released += _forget(c, r["rid"])
                    continue
                # The server stored nothing, so the same op_id may carry the record's latest data again.
                later = c.exec_driver_sql(
                    "SELECT seq, data FROM outbox WHERE record_id = ? AND seq > ? ORDER BY seq DESC LIMIT 1",
                    (r["rid"], r["seq"]),
                ).first()
                if later is None:
                    c.exec_driver_sql(
                        "UPDATE outbox SET state = 'rejected', error = ? WHERE seq = ?",
                        (r["error"], r["seq"]),
                    )
                else:
                    c.exec_driver_sql(
                        "DELETE FROM outbox WHERE record_id = ? AND seq > ?", (r["rid"], r["seq"])
                    )
                    c.exec_driver_sql(
                        "UPDATE outbox SET state = 'pending', error = NULL, sent_at = NULL, data = ?"
                        " WHERE seq = ?",
                        (later[1], r["seq"]),
                    )
        self._unlink_photos(released)
        return outcome

    def pull_cursor(self) -> str | None:
        return self.get_meta("pull_cursor")

    def apply_pull(self, changes: Sequence[Mapping[str, Any]], cursor: str) -> int:
        """Apply a pulled batch and save its cursor in one transaction; returns how many changes it held.

        A record with an unsynced local edit keeps its data and base version; only what the server sets
        (review, state) and the server's copy are recorded.
        """
        now = _now()
        upserts: list[dict[str, Any]] = []
        tombstones: list[dict[str, Any]] = []
        invitations: list[dict[str, Any]] = []
        foreign: list[dict[str, Any]] = []
        for ch in changes:
            kind = ch.get("kind")
            state = ch.get("state") or {}
            data = ch.get("data")
            row = {
                "id": ch.get("id"),
                "kind": kind,
                "v": int(ch.get("version") or 0),
                "deleted": int(bool(ch.get("deleted"))),
                "data": None if data is None else _dumps(data),
                "state": _dumps(state),
                "now": now,
            }
            if kind in KINDS:
                row["review"] = state.get("review")
                row["reason"] = state.get("reject_reason")
                if row["deleted"] or data is None:
                    tombstones.append(row)
                else:
                    row["occ"] = _occurred_utc(str(kind), data)
                    upserts.append(row)
            elif kind == INVITATION:
                invitations.append(row)
            else:
                foreign.append(row)
        released: list[str] = []
        with self._tx() as c:
            if upserts:
                c.exec_driver_sql(_UPSERT_PULLED, upserts)
            for t in tombstones:
                removed = c.exec_driver_sql(
                    "SELECT 1 FROM records WHERE id = ? AND removed = 1", (t["id"],)
                ).first()
                if removed is not None:
                    # Deleted on the server too (another of the planner's phones): the tombstone waiting
                    # here has nothing left to do.
                    released += _forget(c, str(t["id"]))
            if tombstones:
                c.execute(
                    text(
                        "DELETE FROM records WHERE id = :id"
                        " AND NOT EXISTS (SELECT 1 FROM outbox WHERE record_id = :id)"
                    ),
                    tombstones,
                )
                c.execute(
                    text(
                        "UPDATE records SET deleted = 1, server_data = NULL, state = :state,"
                        " review = :review,"
                        " reject_reason = :reason, server_seen_version = :v WHERE id = :id"
                    ),
                    tombstones,
                )
            if invitations:
                c.execute(
                    text(
                        "INSERT INTO invitations (id, version, deleted, data, state, updated_at)"
                        " VALUES (:id, :v, :deleted, :data, :state, :now) ON CONFLICT (id) DO UPDATE SET"
                        " version = excluded.version, deleted = excluded.deleted, data = excluded.data,"
                        " state = excluded.state, updated_at = excluded.updated_at"
                        " WHERE excluded.version >= invitations.version"
                    ),
                    invitations,
                )
            if foreign:
                c.execute(
                    text(
                        "INSERT INTO foreign_changes (kind, id, version, deleted, data, state, updated_at)"
                        " VALUES (:kind, :id, :v, :deleted, :data, :state, :now) ON CONFLICT (kind, id)"
                        " DO UPDATE SET version = excluded.version, deleted = excluded.deleted,"
                        " data = excluded.data, state = excluded.state, updated_at = excluded.updated_at"
                    ),
                    foreign,
                )
            _set_meta(c, "pull_cursor", cursor)
        self._unlink_photos(released)
        return len(changes)

    def record_sync(self, *, clock_offset_s: float | None) -> None:
        with self._tx() as c:
            _set_meta(c, "last_sync_at", _now())
            if clock_offset_s is not None:
                _set_meta(c, "clock_offset_s", repr(clock_offset_s))

    # --- districts and sites (filled by app.sync after the pull; shared/protocol.py, Sites) ---

    def sites_cursor(self) -> str | None:
        return self.get_meta("sites.cursor")

    def apply_sites(self, answer: Mapping[str, Any]) -> SitesPage:
        """Apply one page of ``GET /api/sites`` and its cursor in one transaction.

        ``districts`` replaces the phone's list; each site is stored (live, retired) or forgotten (gone)
        and marked with the current round. On the last page a full round forgets every site it did not
        bring, and the server's ``counts`` are compared with what the phone now holds.
        """
        entries = answer.get("sites") or []
        districts = answer.get("districts")
        has_more = bool(answer.get("has_more"))
        keep: list[dict[str, Any]] = []
        drop: list[dict[str, Any]] = []
        for e in entries if isinstance(entries, list) else []:
            if not isinstance(e, Mapping):
                continue
            did, kind, name, state = e.get("district_id"), e.get("kind"), e.get("name"), e.get("state")
            if not isinstance(did, int) or not isinstance(kind, str) or not isinstance(name, str):
                continue
            key = {"d": did, "kind": kind, "name": name}
            if state == SITE_GONE:
                drop.append(key)
            elif state in (SITE_LIVE, SITE_RETIRED):
                aliases = [a for a in e.get("aliases") or () if isinstance(a, str)]
                keep.append(
                    {
                        **key,
                        "state": state,
                        "lat": _float(e.get("lat")),
                        "lon": _float(e.get("lon")),
                        "last_at": _stamp_or_none(e.get("last_at")),
                        "uses": _int(e.get("uses")),
                        "aliases": _dumps(aliases),
                        "search": "\n".join([name, *aliases]).lower(),
                    }
                )
        behind = False
        with self._tx() as c:
            round_ = int(_meta(c, "sites.round") or 0)
            if isinstance(districts, list):
                rows = [
                    {
                        "id": d["id"],
                        "name": str(d.get("name") or ""),
                        "area": _area_text(d.get("area")),
                        "pos": i,
                    }
                    for i, d in enumerate(districts)
                    if isinstance(d, Mapping) and isinstance(d.get("id"), int)
                ]
                c.exec_driver_sql("DELETE FROM districts")
                if rows:
                    c.execute(
                        text(
                            "INSERT INTO districts (id, name, area, position)"
                            " VALUES (:id, :name, :area, :pos)"
                        ),
                        rows,
                    )
            if keep:
                c.execute(_UPSERT_SITE, [{**k, "round": round_} for k in keep])
            if drop:
                c.execute(
                    text("DELETE FROM sites WHERE district_id = :d AND kind = :kind AND name = :name"), drop
                )
            _set_meta(c, "sites.cursor", str(answer.get("cursor") or "") or None)
            if not has_more:
                if _meta(c, "sites.full"):
                    c.exec_driver_sql("DELETE FROM sites WHERE round < ?", (round_,))
                    _set_meta(c, "sites.full", None)
                counts = answer.get("counts")
                if isinstance(counts, Mapping):
                    held: dict[int, int] = dict(
                        c.exec_driver_sql(
                            "SELECT district_id, count(*) FROM sites WHERE state = ? GROUP BY district_id",
                            (SITE_LIVE,),
                        ).all()
                    )
                    told = {int(k): int(v) for k, v in counts.items() if str(k).isdigit()}
                    behind = any(held.get(d, 0) != n for d, n in told.items()) or any(
                        n and d not in told for d, n in held.items()
                    )
        return SitesPage(len(keep) + len(drop), has_more, behind)

    def start_sites_round(self) -> None:
        """Fetch every site again from an empty cursor; at the round's end the unmarked ones are forgotten."""
        with self._tx() as c:
            _set_meta(c, "sites.round", str(int(_meta(c, "sites.round") or 0) + 1))
            _set_meta(c, "sites.full", "1")
            _set_meta(c, "sites.cursor", None)

    def districts(self) -> list[LocalDistrict]:
        """The districts the server last listed for this user, in its order (empty before the first sync)."""
        with self._read() as c:
            rows = c.exec_driver_sql("SELECT id, name, area FROM districts ORDER BY position, id").all()
        return [LocalDistrict(int(i), n, json.loads(a) if a else None) for i, n, a in rows]

    def find_sites(self, kind: str, query: str = "") -> list[KnownSite]:
        """Sites of ``kind`` whose name or an earlier name contains ``query`` (any case), live and retired."""
        q = query.strip().lower()
        sql = (
            "SELECT district_id, kind, name, state, lat, lon, last_at, uses, aliases"
            " FROM sites WHERE kind = ?"
        )
        params: tuple[Any, ...] = (kind,)
        if q:
            sql += " AND instr(search, ?) > 0"
            params = (kind, q)
        with self._read() as c:
            rows = c.exec_driver_sql(sql + " ORDER BY last_at DESC, name", params).all()
        # Most sites have no earlier name: their "[]" is not decoded (a third of a search's time).
        return [
            KnownSite(
                int(d),
                k,
                n,
                st,
                lat,
                lon,
                _parse_stamp(at) if at else None,
                int(uses),
                () if al == "[]" else tuple(json.loads(al)),
            )
            for d, k, n, st, lat, lon, at, uses, al in rows
        ]

    def record_places(self, kind: str, query: str = "") -> list[RecordPlace]:
        """The places this phone's own records of ``kind`` (`SITE_SOURCES`) name, newest first."""
        record_kind, field_name = SITE_SOURCES[kind]
        q = query.strip().lower()
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT data, occurred_at FROM records WHERE kind = ? AND removed = 0"
                " ORDER BY occurred_at DESC, created_at DESC",
                (record_kind,),
            ).all()
        out: list[RecordPlace] = []
        for data, occurred in rows:
            d = json.loads(data)
            name = d.get(field_name)
            if not isinstance(name, str) or not name or (q and q not in name.lower()):
                continue
            did = d.get("district_id")
            out.append(
                RecordPlace(
                    did if isinstance(did, int) else None,
                    kind,
                    name,
                    _float(d.get("lat")),
                    _float(d.get("lon")),
                    _parse_stamp(occurred) if occurred else None,
                )
            )
        return out

    def last_used_district(self) -> int | None:
        """The district of the record saved last on this phone."""
        value = self.get_meta("last_district")
        return int(value) if value and value.isdigit() else None

    # --- progress ---

    def year_progress(self, year: int, tz: str = "Asia/Shanghai") -> YearProgress:
        """This phone's view of a year's visits: confirmed ones count, the rest are pending (shared.rules)."""
        start, end = year_bounds(year, tz)
        with self._read() as c:
            rows = c.exec_driver_sql(
                "SELECT data, review FROM records WHERE kind = 'visit' AND deleted = 0 AND removed = 0"
                " AND occurred_at >= ? AND occurred_at < ?",
                (_utc(start), _utc(end)),
            ).all()
        facts: list[VisitFacts] = []
        for data, review in rows:
            d = json.loads(data)
            if local_year(d["started_at"], tz) == year:
                facts.append(VisitFacts(d["started_at"], d.get("ended_at"), review or "pending"))
        confirmed = counted_visits(facts, year, tz)
        pending = [f for f in facts if f.review not in (CONFIRMED, REJECTED)]
        return YearProgress(
            year=year,
            visits_confirmed=len(confirmed),
            visits_pending=len(pending),
            hours_confirmed=round(sum(visit_hours(f.started_at, f.ended_at) for f in confirmed), 2),
            hours_pending=round(sum(visit_hours(f.started_at, f.ended_at) for f in pending), 2),
        )


_INSERT_RECORD = text(
    "INSERT INTO records (id, kind, data, created_at, updated_at, occurred_at)"
    " VALUES (:id, :kind, :data, :now, :now, :occ)"
)
_INSERT_OP = text(
    "INSERT INTO outbox (op_id, kind, record_id, data, state, created_at)"
    " VALUES (:op_id, :kind, :rid, :data, 'pending', :now)"
)
_DIRTY = "EXISTS (SELECT 1 FROM outbox WHERE record_id = records.id)"
_UPSERT_PULLED = (
    "INSERT INTO records (id, kind, data, server_version, server_data, server_seen_version, review,"
    " reject_reason, state, created_at, updated_at, occurred_at)"
    " VALUES (:id, :kind, :data, :v, :data, :v, :review, :reason, :state, :now, :now, :occ)"
    " ON CONFLICT (id) DO UPDATE SET"
    " server_data = excluded.server_data, server_seen_version = excluded.server_seen_version,"
    " review = excluded.review, reject_reason = excluded.reject_reason, state = excluded.state, deleted = 0,"
    f" data = CASE WHEN {_DIRTY} THEN records.data ELSE excluded.data END,"
    f" server_version = CASE WHEN {_DIRTY} THEN records.server_version ELSE excluded.server_version END,"
    f" occurred_at = CASE WHEN {_DIRTY} THEN records.occurred_at ELSE excluded.occurred_at END,"
    " updated_at = excluded.updated_at"
    " WHERE excluded.server_seen_version >= records.server_seen_version"
)


_UPSERT_SITE = text(
    "INSERT INTO sites (district_id, kind, name, state, lat, lon, last_at, uses, aliases, search, round)"
    " VALUES (:d, :kind, :name, :state, :lat, :lon, :last_at, :uses, :aliases, :search, :round)"
    " ON CONFLICT (district_id, kind, name) DO UPDATE SET state = excluded.state, lat = excluded.lat,"
    " lon = excluded.lon, last_at = excluded.last_at, uses = excluded.uses, aliases = excluded.aliases,"
    " search = excluded.search, round = excluded.round"
)


def _meta(c: Connection, key: str) -> str | None:
    row = c.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (key,)).first()
    return None if row is None else row[0]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _stamp_or_none(value: Any) -> str | None:
    """A server time as this store's sortable UTC text, or None when it is not a time with an offset."""
    if not isinstance(value, str):
        return None
    try:
        return _utc(parse_time(value))
    except ValueError:
        return None


def _area_text(value: Any) -> str | None:
    return _dumps(value) if isinstance(value, Mapping) else None


def _has_ops(c: Connection, record_id: str) -> bool:
    return (
        c.exec_driver_sql("SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)).first()
        is not None
    )


#: An outbox op's data when it deletes the record (JSON null on the wire).
_NULL: Final = "null"


def _forget(c: Connection, record_id: str) -> list[str]:
    """Remove a record with its ops and conflict, and the photo rows only it showed; returns those photos'
    digests, whose files the caller deletes once the transaction has committed."""
    texts = c.exec_driver_sql(
        "SELECT data FROM records WHERE id = ? UNION ALL SELECT server_data FROM records WHERE id = ?"
        " UNION ALL SELECT data FROM outbox WHERE record_id = ?",
        (record_id, record_id, record_id),
    ).all()
    digests: set[str] = set()
    for (value,) in texts:
        loaded = json.loads(value) if value else None
        if isinstance(loaded, dict):
            digests.update(d for d in loaded.get("photos") or () if isinstance(d, str))
    c.exec_driver_sql("DELETE FROM outbox WHERE record_id = ?", (record_id,))
    c.exec_driver_sql("DELETE FROM conflicts WHERE record_id = ?", (record_id,))
    c.exec_driver_sql("DELETE FROM records WHERE id = ?", (record_id,))
    released = []
    for digest in sorted(digests):
        shown_elsewhere = c.exec_driver_sql(
            "SELECT 1 FROM records r, json_each(r.data, '$.photos') j WHERE j.value = ?1"
            " UNION ALL SELECT 1 FROM records r, json_each(r.server_data, '$.photos') j WHERE j.value = ?1"
            " UNION ALL SELECT 1 FROM outbox o, json_each(o.data, '$.photos') j WHERE j.value = ?1 LIMIT 1",
            (digest,),
        ).first()
        if shown_elsewhere is None:
            c.exec_driver_sql("DELETE FROM photos WHERE sha256 = ?", (digest,))
            released.append(digest)
    return released


def _set_meta(c: Connection, key: str, value: str | None) -> None:
    if value is None:
        c.exec_driver_sql("DELETE FROM meta WHERE key = ?", (key,))
    else:
        c.exec_driver_sql(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _op_summary(ops: list[tuple[str, str | None]]) -> tuple[str | None, str | None]:
    # The state that most needs a person wins: a conflict, then a refusal, then in flight, then waiting.
    for wanted in (CONFLICT, OP_REJECTED, SENT, PENDING):
        for st, err in ops:
            if st == wanted:
                return st, err
    return None, None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_digest(sha256: str) -> None:
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("sha256: must be 64 lowercase hex characters")


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A disk that filled up mid-write leaves a partial file: it would only take more of the space.
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
