"""Parsing the term's request bodies: codes of `shared.term`, flags, amounts, areas, violation records.

Each parser raises a 400 naming the field (``specialties``, ``contract.service_fee_cny``, ...), so a bad
body stores nothing and the screen can point at the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from server.core.errors import ApiError, bad_request
from server.core.parsing import parse_date, parse_int, parse_text
from shared import term as vocab
from shared.geo import area_from_json, area_to_json

#: An amount in yuan with at most two decimals (fen), as text or a JSON number.
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")


def only(body: dict[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(prefix + unknown[0], "is not a field here")


def code(raw: Any, field: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
    choices = list(allowed)
    if raw is None or raw == "":
        if required:
            raise bad_request(field, f"is required: one of {', '.join(choices)}")
        return None
    if not isinstance(raw, str) or raw not in choices:
        raise bad_request(field, f"unknown code {raw!r}: one of {', '.join(choices)}")
    return raw


def codes(raw: Any, field: str, labels: vocab.Labels, *, at_least: int = 0) -> tuple[str, ...]:
    """A list of distinct codes of ``labels``, in the given order."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise bad_request(field, "must be a list of codes")
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str) or item not in labels:
            raise bad_request(field, f"unknown code {item!r}: one of {', '.join(labels)}")
        if item not in out:
            out.append(item)
    if len(out) < at_least:
        raise bad_request(field, f"needs at least {at_least} code(s): one of {', '.join(labels)}")
    return tuple(out)


def flag(raw: Any, field: str, *, default: bool | None = None) -> bool:
    if raw is None and default is not None:
        return default
    if not isinstance(raw, bool):
        raise bad_request(field, "must be true or false")
    return raw


def amount_fen(raw: Any, field: str) -> int | None:
    """Yuan (``"12000.50"`` or ``12000.5``) as whole fen; at least 0, at most two decimals."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise bad_request(field, 'must be an amount in yuan, e.g. "5000.00"')
    text = raw if isinstance(raw, str) else repr(raw)
    if isinstance(raw, float) and text.endswith(".0"):
        text = text[:-2]
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        raise bad_request(field, "must be an amount in yuan of 0 or more, with at most two decimals")
    yuan, frac = match.group(1), (match.group(2) or ".")[1:]
    return int(yuan) * 100 + int(frac.ljust(2, "0"))


def yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def area(raw: Any, field: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        return area_to_json(area_from_json(raw))
    except ValueError as exc:
        inner, _, message = str(exc).partition(":")
        raise bad_request(f"{field}.{inner}", message.strip()) from None


def day(raw: Any, field: str, *, required: bool = True, not_after: date | None = None) -> date | None:
    value = parse_date(raw, field, required=required)
    if value is not None and not_after is not None and value > not_after:
        raise bad_request(field, f"may not be after {not_after.isoformat()} (today)")
    return value


def text(
    body: dict[str, Any], field: str, *, required: bool = False, max_len: int = 2000, prefix: str = ""
) -> str | None:
    try:
        return parse_text(body, field, required=required, max_len=max_len)
    except ApiError as exc:
        if prefix and exc.field == field:
            raise bad_request(prefix + field, str(exc.detail).split(": ", 1)[-1]) from None
        raise


def whole(raw: Any, field: str, *, lo: int, hi: int, required: bool = True) -> int | None:
    return parse_int(raw, field, required=required, lo=lo, hi=hi)


def violations(raw: Any, field: str = "violations") -> list[dict[str, Any]]:
    """Records of violations or dishonesty: ``[{"on": "YYYY-MM-DD" | null, "note": "..."}]``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request(field, "must be a list of {on, note}")
    out = []
    for i, item in enumerate(raw):
        name = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise bad_request(name, "must be an object {on, note}")
        only(item, ("on", "note"), f"{name}.")
        on = parse_date(item.get("on"), f"{name}.on", required=False)
        note = text(item, "note", required=True, max_len=2000, prefix=f"{name}.")
        out.append({"on": None if on is None else on.isoformat(), "note": note})
    return out
