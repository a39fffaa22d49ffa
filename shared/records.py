"""The record kinds a planner makes on the phone, their fields, and one validator used by app and server.

`validate(kind, data)` returns the cleaned record or raises `RecordError` whose message names the
field, so the phone refuses bad input before saving and the server rejects it with the same words.
Times are ISO 8601 strings *with* an offset; photos are lists of SHA-256 hex digests.
"""

from __future__ import annotations

import math
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

VISIT: Final = "visit"
OPINION: Final = "opinion"
FEEDBACK: Final = "feedback"
KINDS: Final = (VISIT, OPINION, FEEDBACK)
#: A planner's answer to a consultation-activity invitation (pulled as kind "invitation"). Pushed like a
#: record, with the invitation's id as ``id``; it is not one of the record KINDS the planner makes.
INVITATION_RESPONSE: Final = "invitation_response"
RESPONSES: Final = ("accepted", "declined")

#: Opinion kinds (PDS-2b review, CQ-5 written opinion on plans and designs).
OPINION_KINDS: Final = ("plan_review", "design_review", "consultation", "other")
#: Feedback categories (PDS-2c residents' opinions and needs).
FEEDBACK_CATEGORIES: Final = ("planning", "environment", "traffic", "public_facilities", "housing", "other")

MAX_TEXT: Final = 20_000
MAX_SHORT: Final = 200
MAX_PHOTOS: Final = 30
#: The largest id or version a database integer column holds (64-bit signed); JSON allows any length.
MAX_ID: Final = 2**63 - 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


#: Text may hold any character but NUL, which PostgreSQL cannot store and SQLite's JSON functions cut at.
NUL_MESSAGE: Final = "must not contain the NUL character (U+0000)"


class RecordError(ValueError):
    """Invalid record data; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def new_id() -> str:
    """A client-made id for a record or an operation: a UUIDv7 (RFC 9562), also its idempotency key.

    The first 48 bits are the Unix time in milliseconds, so ids sort by the millisecond they were made
    in (within one millisecond, at random) and a database index keyed by them grows at one end. Random
    ids (UUIDv4) land anywhere in such an index: each batch of new rows then dirties pages all over it,
    and the server writes and syncs each of those pages again at every commit (bench/id_locality.py).
    The 74 random bits keep ids from two phones, or two records of one millisecond, apart; a phone whose
    clock is wrong only loses the order.
    """
    ms = time.time_ns() // 1_000_000 & _MASK_48
    rand = int.from_bytes(os.urandom(10)) & _MASK_74
    value = ms << 80 | _V7_BITS | (rand >> 62) << 64 | rand & _MASK_62
    return str(uuid.UUID(int=value))


_MASK_48: Final = (1 << 48) - 1
_MASK_62: Final = (1 << 62) - 1
_MASK_74: Final = (1 << 74) - 1
#: Version 7 in bits 76-79 and the RFC 9562 variant (binary 10) in bits 62-63.
_V7_BITS: Final = 0x7 << 76 | 0b10 << 62


def parse_time(value: str) -> datetime:
    """Parse ISO 8601 with an offset; a naive time is refused because its instant is unknown."""
    dt = datetime.fromisoformat(value)  # Python 3.11 reads a "Z" suffix as UTC
    if dt.tzinfo is None:
        raise ValueError("needs an offset such as +08:00")
    return dt


# --- field checkers: each returns the cleaned value or raises ValueError(message) ---
# They run for every record of every push, so each takes its common case first, in as few steps as it can.


def _text(max_len: int, *, required: bool) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, str):
            v = v.strip()
            if len(v) > max_len:
                raise ValueError(f"is longer than {max_len} characters")
            if "\x00" in v:
                raise ValueError(NUL_MESSAGE)
            if v or not required:
                return v
            raise ValueError("is required")
        if v is not None:
            raise ValueError("must be text")
        if required:
            raise ValueError("is required")
        return None

    return check


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return str(v)

    return check


class _Time:
    """A time field. It returns the parsed time; `validate` writes it back as canonical ISO 8601 text."""

    def __init__(self, *, required: bool) -> None:
        self.required = required

    def __call__(self, v: Any) -> datetime | None:
        if isinstance(v, str):
            try:
                return parse_time(v)
            except ValueError as exc:
                raise ValueError(f"must be an ISO 8601 time with an offset ({exc})") from None
        if v is not None:
            raise ValueError("must be an ISO 8601 time with an offset")
        if self.required:
            raise ValueError("is required")
        return None


def _number(lo: float, hi: float, *, required: bool) -> Callable[[Any], float | None]:
    def check(v: Any) -> float | None:
        if type(v) is not float:  # the exact type: the common case first, and a bool is never a number
            if v is None:
                if required:
                    raise ValueError("is required")
                return None
            if type(v) is not int:
                raise ValueError("must be a number")
            try:
                v = float(v)
            except OverflowError:  # JSON allows integers of any length
                raise ValueError(f"must be between {lo:g} and {hi:g}") from None
        if not lo <= v <= hi:  # also refuses NaN and infinities
            if not math.isfinite(v):
                raise ValueError("must be a number")
            raise ValueError(f"must be between {lo:g} and {hi:g}")
        return v

    return check


def _uuid(*, required: bool) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if v is None or v == "":
            if required:
                raise ValueError("is required")
            return None
        try:
            return str(uuid.UUID(str(v)))
        except ValueError:
            raise ValueError("must be a UUID") from None

    return check


def _district(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_ID:
        raise ValueError("must be a district id (a positive whole number)")
    return v


def _server_id(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_ID:
        raise ValueError("must be a server id (a positive whole number)")
    return v


def _photos(v: Any) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError("must be a list of SHA-256 hex digests")
    if len(v) > MAX_PHOTOS:
        raise ValueError(f"has more than {MAX_PHOTOS} photos")
    out: list[str] = []
    for item in v:
        if not isinstance(item, str) or not _SHA256.match(item):
            raise ValueError("must be a list of SHA-256 hex digests (64 lowercase hex characters)")
        if item not in out:
            out.append(item)
    return out


def _bool(v: Any) -> bool:
    if v is None:
        return False
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


Checker = Callable[[Any], Any]

#: Field checkers per kind. Unknown fields are refused so a typo never silently drops data.
SCHEMAS: Final[dict[str, dict[str, Checker]]] = {
    VISIT: {
        "district_id": _district,
        "site": _text(MAX_SHORT, required=True),
        "purpose": _text(MAX_SHORT, required=True),
        "started_at": _Time(required=True),
        "ended_at": _Time(required=False),
        "lat": _number(-90, 90, required=False),
        "lon": _number(-180, 180, required=False),
        "accuracy_m": _number(0, 100_000, required=False),
        "participants": _text(MAX_SHORT * 5, required=False),
        "notes": _text(MAX_TEXT, required=False),
        "photos": _photos,
        "created_at": _Time(required=False),
    },
    OPINION: {
        "district_id": _district,
        "subject": _text(MAX_SHORT, required=True),
        "opinion_kind": _choice(OPINION_KINDS),
        "body": _text(MAX_TEXT, required=True),
        "suggestions": _text(MAX_TEXT, required=False),
        "required_changes": _text(MAX_TEXT, required=False),
        "visit_id": _uuid(required=False),
        "dissent": _text(MAX_TEXT, required=False),
        "issued_at": _Time(required=True),
    },
    FEEDBACK: {
        "district_id": _district,
        "place": _text(MAX_SHORT, required=True),
        "category": _choice(FEEDBACK_CATEGORIES),
        "content": _text(MAX_TEXT, required=True),
        "photos": _photos,
        "contact": _text(MAX_SHORT, required=False),
        "contact_consent": _bool,
        "lat": _number(-90, 90, required=False),
        "lon": _number(-180, 180, required=False),
        "collected_at": _Time(required=True),
    },
    INVITATION_RESPONSE: {
        "activity_id": _server_id,
        "response": _choice(RESPONSES),
        "note": _text(MAX_SHORT * 5, required=False),
    },
}


#: Each kind's time fields, which `validate` parses once and hands to the cross-checks.
_TIME_FIELDS: Final = {
    kind: tuple(n for n, c in schema.items() if isinstance(c, _Time)) for kind, schema in SCHEMAS.items()
}
_FIELD_NAMES: Final = {kind: frozenset(schema) for kind, schema in SCHEMAS.items()}

#: A record's times as `validate_parsed` returns them: field name to aware datetime (None: not given).
Times = dict[str, datetime | None]


def validate(kind: str, data: Any) -> dict[str, Any]:
    """Return a cleaned copy of ``data`` for ``kind`` or raise `RecordError` naming the field."""
    return validate_parsed(kind, data)[0]


def validate_parsed(kind: str, data: Any) -> tuple[dict[str, Any], Times]:
    """`validate`, also returning the record's times parsed, for a caller that would parse them again."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise RecordError("kind", f"must be one of {', '.join(SCHEMAS)}")
    if not isinstance(data, Mapping):
        raise RecordError("data", "must be an object")
    if not _FIELD_NAMES[kind].issuperset(data):
        unknown = sorted(str(k) for k in set(data) - _FIELD_NAMES[kind])
        # An empty key still needs a name the planner can act on.
        raise RecordError(unknown[0] or "data", f"{unknown[0]!r} is not a field of a {kind}")
    clean: dict[str, Any] = {}
    for name, check in schema.items():
        try:
            clean[name] = check(data.get(name))
        except ValueError as exc:
            raise RecordError(name, str(exc)) from None
    times: Times = {}
    for name in _TIME_FIELDS[kind]:
        dt = times[name] = clean[name]
        clean[name] = None if dt is None else dt.isoformat()
    _cross_checks(kind, clean, times)
    return clean, times


def _cross_checks(kind: str, d: dict[str, Any], times: Times) -> None:
    if kind == VISIT:
        ended, started = times["ended_at"], times["started_at"]
        if ended is not None and started is not None and ended < started:
            raise RecordError("ended_at", "is before started_at")
        if (d["lat"] is None) != (d["lon"] is None):
            raise RecordError("lon" if d["lon"] is None else "lat", "lat and lon go together")
    if kind == FEEDBACK:
        if d["contact"] and not d["contact_consent"]:
            # A resident's contact is personal data: kept only with their consent.
            raise RecordError("contact", "is stored only with the resident's consent (contact_consent)")
        if (d["lat"] is None) != (d["lon"] is None):
            raise RecordError("lon" if d["lon"] is None else "lat", "lat and lon go together")


#: The field whose time places a record in a year: a visit's start, an opinion's issue, feedback's collection.
OCCURRED_FIELD: Final = {VISIT: "started_at", OPINION: "issued_at", FEEDBACK: "collected_at"}


def occurred_at(kind: str, data: Mapping[str, Any]) -> str:
    """The time that places a record in a year (`OCCURRED_FIELD`)."""
    return str(data[OCCURRED_FIELD[kind]])
