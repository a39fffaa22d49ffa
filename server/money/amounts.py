"""Amounts of money: integer fen (1 CNY = 100 fen) inside, decimal text in and out, never a float.

A request gives an amount as text with at most two decimals (``"5000"``, ``"1234.5"``, ``"1234.50"``) or as
a whole number of yuan (``5000``). A JSON number with a fraction is refused: it arrives as a binary float,
which may not be the amount the person typed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from server.core.errors import bad_request

FEN_PER_YUAN: Final = 100
#: The largest amount accepted anywhere (10 million CNY), so a typo of many zeros is refused.
MAX_FEN: Final = 10_000_000 * FEN_PER_YUAN
_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")


def yuan_to_fen(yuan: int) -> int:
    return yuan * FEN_PER_YUAN


def parse_amount(raw: Any, field: str, *, allow_zero: bool = False) -> int:
    """The amount ``raw`` in fen, or a 400 naming ``field``."""
    if raw is None or raw == "":
        raise bad_request(field, 'is required (CNY as text, such as "1234.50")')
    if isinstance(raw, bool):
        raise bad_request(field, 'must be an amount in CNY, such as "1234.50"')
    if isinstance(raw, float):
        raise bad_request(
            field, 'give it as text, such as "1234.50" (a JSON number with a fraction is inexact)'
        )
    if isinstance(raw, int):
        if raw < 0 or raw * FEN_PER_YUAN > MAX_FEN:
            raise bad_request(field, f"must be between 0 and {fen_text(MAX_FEN)} CNY")
        fen = raw * FEN_PER_YUAN
    elif isinstance(raw, str):
        text = raw.strip()
        if not _AMOUNT.fullmatch(text):
            raise bad_request(
                field, f'{raw[:40]!r} is not an amount in CNY with at most two decimals, e.g. "1234.50"'
            )
        fen = int(Decimal(text) * FEN_PER_YUAN)
        if fen > MAX_FEN:
            raise bad_request(field, f"must be at most {fen_text(MAX_FEN)} CNY")
    else:
        raise bad_request(field, 'must be an amount in CNY, such as "1234.50"')
    if fen == 0 and not allow_zero:
        raise bad_request(field, "must be more than 0")
    return fen


def fen_text(fen: int | None) -> str | None:
    """``500000`` -> ``"5000.00"``; None stays None."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{part:02d}"


def fen_decimal(fen: int) -> Decimal:
    """Fen as a Decimal of yuan (for a spreadsheet cell: exact, two decimals)."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))
