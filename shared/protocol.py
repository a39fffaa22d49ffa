"""The sync protocol between the phone and the server, in one documented place.

Version: `PROTOCOL_VERSION`. Every message is JSON; these TypedDicts are its shapes.

The algorithm
=============

Records (visits, opinions, feedback) get their id on the phone (a UUID) and are written to the phone's
SQLite store, together with an *outbox* operation, in one transaction, before anything else happens.
Nothing ever exists only in memory or only on the wire.

Push (phone -> server), ``POST /api/sync/push``::

    {device_id, ops: [{op_id, kind, id, base_version, data}]}
    -> {server_time, results: [{op_id, status, version, error, original}]}

* ``op_id`` is made on the phone when the operation is queued and never changes, so an operation that is
  re-sent after a lost answer, a crash or a killed server is recognised: the server keeps every applied
  ``op_id`` and answers ``duplicate`` (with the first outcome in ``original``) without changing anything.
* ``base_version`` is the server version the edit was made on: 0 creates the record. If the record has
  moved on (stale base), or the record is locked (a confirmed visit), the operation is a ``conflict``:
  the server stores it for a person to resolve and never merges it silently.
* Invalid data is ``rejected`` with an ``error`` that names the field; nothing of it is stored, so the
  same ``op_id`` may be sent again once the planner has fixed the record.
* Each operation is judged on its own: one bad operation never sinks the rest of the batch. The server
  commits a batch in one transaction, so a server killed mid-batch has applied all of it or none.
* The record's owner is the signed-in user, never a field of ``data``.

Edits and deletes on the phone: an edit rewrites the record's newest op while no request has carried it
(or the server refused it, storing nothing), else it queues a new op, which leaves once the earlier one's
outcome gives it its ``base_version``. A record deleted before any op of it left the phone never reaches
the server: the record, its ops and its photos go. Once the server may have it, a delete is one more op
with ``data: null`` (a tombstone, answered like an edit: applied, or a conflict for a person); the phone
hides the record at once and forgets it, with its photos, when the tombstone is applied.

Media: records carry photo digests (SHA-256 hex). After pushing, the phone asks
``POST /api/attachments/missing`` which digests the server lacks and uploads only those. An upload
is checked against its digest, so a resumed or repeated upload is harmless. The phone deletes a
photo only after the server has confirmed its digest.

Uploads resume (tus-like; the digest is the upload's address, so no creation step):
``HEAD /api/attachments/{sha256}/upload`` answers ``Upload-Offset``, the bytes the server holds;
``PATCH`` with ``Upload-Offset`` and ``Upload-Length`` sends the rest. The server keeps bytes that arrived
before a connection broke, appends only at the offset it holds (409 otherwise, with its offset), and
stores the photo when the last byte has come and the whole hashes to the digest. A server that answers
404 to the ``HEAD`` does not offer this: the phone then ``PUT``s each photo whole.

Pull (server -> phone), ``GET /api/sync/pull?cursor=&limit=``::

    -> {changes: [{kind, id, version, deleted, data, state}], cursor, has_more}

* Every change on the server is stamped with a *position* in one server-wide order, stored on the record;
  a pull returns the changes after the cursor's position, in that order, and the cursor is the position of
  the last one (opaque to the phone: `encode_cursor` / `decode_cursor`; monotonic). The guarantee: a pull
  never passes a position whose transaction commits later, so a change that commits late is never
  skipped. How the server keeps it depends on the database:

  - SQLite has one writer at a time (``BEGIN IMMEDIATE``). A position is the next number of a counter
    row taken inside the write transaction, so numbers become visible in commit order.
  - PostgreSQL runs writers side by side. A position is the pair (the writing transaction's own id,
    ``pg_current_xact_id()``; a number from a sequence, unique, for the order inside that transaction).
    Transaction ids are handed out in increasing order, so every transaction still open when a pull
    starts, and every one starting later, has an id at or above a *horizon*: the oldest id still running
    in the server's database (from the pull's snapshot and ``pg_stat_activity``; other databases on the
    same PostgreSQL do not count). A pull returns only changes of transactions below the horizon, all
    of them ended and so visible together, and never moves its cursor past one that has yet to commit.
    Writers of different planners do not wait for each other; a transaction that stays open holds back,
    never loses, what later ones wrote, until it ends.
    Transactions that change one planner's records (a push, a review, an answer to an invitation)
    queue behind each other on that planner (a transaction-level advisory lock), so a re-sent batch is
    judged after the first one's outcome and an edit never overwrites a review it did not see.

  Positions from before a server moved to this scheme count as (0, number): a phone's old cursor goes on
  from where it was. (Before, PostgreSQL numbered changes from the counter row too, whose lock every
  writer held until its commit: every push of the whole city waited for the one before it. A cursor per
  planner was the other way out, but district staff and the bureau pull across many planners, and their
  cursors would have had to carry one position per planner.)
* ``state`` carries what only the server sets: the review (pending, confirmed, rejected and its reason),
  computed hours and flags.
* The phone applies a pulled batch and saves the new cursor in the same local transaction, then asks
  again while ``has_more``. A pulled change never overwrites a record that has an unsynced local edit;
  server-set ``state`` is still recorded, and the edit is resolved by push (applied, or a conflict).

Sites (server -> phone), ``GET /api/sites?cursor=&limit=``, after every pull::

    -> {districts: [{id, name, area}], cursor, has_more, counts?,
        sites: [{district_id, kind, name, state, lat, lon, last_at, uses, aliases, curated_id}]}

* Its own endpoint, not part of the pull: sites come from every planner's records of the district while a
  pull carries only the user's own, and keeping them in the pull's stream would need a table written by
  every push. A server without it answers 404 and the phone goes on without suggestions.
* A district's sites come from its records: the ``site`` of its visits (kind ``site``, with the position
  of the newest visit that had a fix) and the ``subject`` of its opinions (kind ``project``). District
  staff curate them: add one (a position is optional), rename one (the old name becomes an alias, whose
  records count for the new name; renaming onto another site merges them), retire one.
* The cursor follows the pull's order of changes: a site is sent again when a record naming it or its
  curated row took a position after the cursor. ``state`` says what to do: ``live`` (offer it),
  ``retired`` (keep it off the lists), ``gone`` (forget it). An answer first fixes a bound below which
  every change has committed (SQLite: the counter's value; PostgreSQL: the pull's horizon) and looks at no
  change past it, so its several statements agree with each other even where each sees its own snapshot,
  and a change that commits late is never passed. Each page is applied with its cursor in one local
  transaction.
* A site can also vanish, or exist unseen, with no change of its own after the cursor (the last record
  naming it was renamed; a district newly served brings its older sites). So the last page carries
  ``counts``, the live sites of each district: a phone holding other numbers fetches again from an empty
  cursor, marks every site that round brings, and at its end forgets the unmarked ones.
* ``districts`` lists the districts in scope, each with the responsibility area the planner answers for
  there (null if none is recorded), and replaces the phone's list every time: the phone defaults a new
  record's district to the one whose area holds the fix.

Clock: the phone records ``server_time - local midpoint of the request`` as its clock offset, which the
server uses to flag visits whose times came from a skewed clock.
"""

from __future__ import annotations

import base64
from typing import Any, Final, Literal, NamedTuple, NotRequired, TypedDict

PROTOCOL_VERSION: Final = 1

APPLIED: Final = "applied"
DUPLICATE: Final = "duplicate"
CONFLICT: Final = "conflict"
REJECTED: Final = "rejected"
OpStatus = Literal["applied", "duplicate", "conflict", "rejected"]

MAX_OPS_PER_PUSH: Final = 1000
MAX_PULL_LIMIT: Final = 1000
DEFAULT_PULL_LIMIT: Final = 500


class Op(TypedDict):
    op_id: str
    kind: str
    id: str
    base_version: int
    data: dict[str, Any]


class PushRequest(TypedDict):
    device_id: str
    ops: list[Op]


class OpResult(TypedDict):
    op_id: str
    status: OpStatus
    version: int | None
    error: str | None
    #: For ``duplicate``: what the first delivery of this op_id came to (``applied`` or ``conflict``).
    original: NotRequired[str | None]


class PushResponse(TypedDict):
    server_time: str
    results: list[OpResult]


class Change(TypedDict):
    kind: str
    id: str
    version: int
    deleted: bool
    data: dict[str, Any] | None
    #: Server-set fields: review, reject_reason, hours, flags...
    state: NotRequired[dict[str, Any]]


class PullResponse(TypedDict):
    changes: list[Change]
    cursor: str
    has_more: bool


#: Site kinds and states (see "Sites" above).
SITE: Final = "site"
PROJECT: Final = "project"
SITE_KINDS: Final = (SITE, PROJECT)
SITE_LIVE: Final = "live"
SITE_RETIRED: Final = "retired"
SITE_GONE: Final = "gone"


class SiteEntry(TypedDict):
    district_id: int
    kind: str
    name: str
    state: str
    lat: float | None
    lon: float | None
    #: The newest record naming it (ISO 8601 with offset), or None.
    last_at: str | None
    uses: int
    aliases: list[str]
    #: The curated row's id, or None for a site only its records know.
    curated_id: int | None


class DistrictEntry(TypedDict):
    id: int
    name: str
    #: ``shared.geo.area_from_json`` reads it; None when no area is recorded.
    area: dict[str, Any] | None


class SitesResponse(TypedDict):
    districts: list[DistrictEntry]
    sites: list[SiteEntry]
    cursor: str
    has_more: bool
    #: On the last page: district id (as text) -> its live sites.
    counts: NotRequired[dict[str, int]]


class Position(NamedTuple):
    """A place in the server's order of changes (see the module docstring): compared as a pair."""

    txid: int
    seq: int


_SEQ_ONLY: Final = "c1:"
_WITH_TXID: Final = "c2:"


def encode_cursor(seq: int, txid: int = 0) -> str:
    """Make the opaque cursor for a position in the server's order of changes."""
    text = f"{_SEQ_ONLY}{seq}" if txid == 0 else f"{_WITH_TXID}{txid}.{seq}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position:
    """Read a cursor back; an empty cursor is the start. Raises ValueError("cursor: ...") when malformed."""
    if not cursor:
        return Position(0, 0)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(_SEQ_ONLY):
            position = Position(0, int(raw[len(_SEQ_ONLY) :]))
        elif raw.startswith(_WITH_TXID):
            txid, seq = raw[len(_WITH_TXID) :].split(".")
            position = Position(int(txid), int(seq))
        else:
            raise ValueError
        if position.txid < 0 or position.seq < 0:
            raise ValueError
        return position
    except (ValueError, UnicodeDecodeError):
        raise ValueError("cursor: is not a cursor this server gave out") from None
