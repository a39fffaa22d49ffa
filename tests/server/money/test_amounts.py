"""Amounts are integer fen from decimal text or whole yuan; floats, junk and out-of-range amounts are 400s
naming the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.errors import ApiError
from server.money.amounts import MAX_FEN, fen_decimal, fen_text, parse_amount


@pytest.mark.parametrize(
    ("raw", "fen"),
    [("5000", 500_000), ("5000.00", 500_000), ("1234.5", 123_450), (" 0.01 ", 1), (5000, 500_000)],
)
def test_an_amount_in_cny_becomes_whole_fen(raw: object, fen: int) -> None:
    assert parse_amount(raw, "amount") == fen


@pytest.mark.parametrize(
    "raw", [12.5, "12.345", "-1", "1e3", "abc", "", None, True, [1], "1,000", "１２", "0", 0, 10**12]
)
def test_an_amount_that_is_not_exact_cny_is_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(ApiError) as exc:
        parse_amount(raw, "funds.7.amount")
    assert exc.value.status_code == 400 and exc.value.field == "funds.7.amount"


def test_zero_is_an_amount_only_where_it_may_be() -> None:
    assert parse_amount("0", "amount", allow_zero=True) == 0


@given(st.integers(min_value=1, max_value=MAX_FEN))
def test_fen_round_trip_through_their_text(fen: int) -> None:
    text = fen_text(fen)
    assert text is not None
    assert parse_amount(text, "amount") == fen
    assert fen_decimal(fen) * 100 == fen
