"""Request parsing for every domain: ids, integers, dates and text, refused with a 400 naming the field."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from litestar.params import Parameter

from server.core.errors import bad_request
from shared.records import NUL_MESSAGE

#: The largest id an INTEGER primary key holds (users, districts, activities, periods are 32-bit).
MAX_ROW_ID = 2**31 - 1

#: A database id in a path: a number past what the column holds is a 400 naming it, never a 500 (PostgreSQL
#: refuses to compare a 32-bit column with a larger number).
IdPath = Annotated[int, Parameter(gt=0, le=MAX_ROW_ID)]


def parse_int(raw: Any, field: str, *, required: bool = True, lo: int = 1, hi: int = 2**31 - 1) -> int | None:
    if raw is None or raw == "":
        if required:
            raise bad_request(field, "is required")
        return None
    if isinstance(raw, bool):
        raise bad_request(field, "must be a whole number")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(field, "must be a whole number") from None
    if isinstance(raw, float) and raw != value:
        raise bad_request(field, "must be a whole number")
    if not lo <= value <= hi:
        raise bad_request(field, f"must be between {lo} and {hi}")
    return value


def parse_date(raw: Any, field: str, *, required: bool = True) -> date | None:
    if raw is None or raw == "":
        if required:
            raise bad_request(field, "is required (YYYY-MM-DD)")
        return None
    if not isinstance(raw, str):
        raise bad_request(field, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(field, "must be a date YYYY-MM-DD") from None


#: A UUID as `str(uuid.UUID(...))` writes it, the only form in which the push stores record ids.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_record_id(value: str) -> bool:
    """Whether ``value`` can name a record (a path id that cannot is a 404 without a query: PostgreSQL
    cannot even compare some text, such as a NUL)."""
    return _CANONICAL_UUID.fullmatch(value) is not None


def parse_text(body: Any, field: str, *, required: bool, max_len: int = 2000) -> str | None:
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise bad_request(field, "is required and may not be empty")
        return None
    if not isinstance(value, str):
        raise bad_request(field, "must be text")
    if len(value) > max_len:
        raise bad_request(field, f"is longer than {max_len} characters")
    if "\x00" in value:
        raise bad_request(field, NUL_MESSAGE)
    return value.strip()


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    return body
