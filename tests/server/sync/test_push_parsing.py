"""The push's request checks: the quick path for well-formed ops agrees with the field-by-field checks."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from litestar.exceptions import HTTPException

from server.sync.service import ParsedOp, _check_id, _parse_op, parse_push
from shared.records import RecordError

_values = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=5)
_op_ids = st.sampled_from(["", " ", "\t", "x" * 100, "x" * 101]) | st.uuids().map(str) | _values
_ops = st.fixed_dictionaries(
    {},
    optional={
        "op_id": _op_ids,
        "kind": st.sampled_from(["visit", "opinion"]) | _values,
        "id": st.uuids().map(str) | _values,
        "base_version": st.integers(-1, 5) | _values,
        "data": st.none() | st.just({"site": "解放碑"}) | _values,
    },
)


def _outcome(parse: Any) -> ParsedOp | str:
    try:
        return parse()  # type: ignore[no-any-return]
    except HTTPException as exc:
        return str(exc.detail)


@given(st.one_of(_ops, _values, st.lists(st.integers(), max_size=2)))
def test_any_op_is_taken_or_refused_exactly_as_its_field_checks_say(op: Any) -> None:
    """A malformed op is a 400 naming its first wrong field, whichever way the request was parsed."""
    whole = _outcome(lambda: parse_push({"device_id": "phone", "ops": [op]}).ops[0])
    assert whole == _outcome(lambda: _parse_op(0, op))
    if isinstance(whole, str):
        assert whole.startswith("ops[0]")


def _variants(u: uuid.UUID) -> list[str]:
    s = str(u)
    return [s, s.upper(), "{" + s + "}", s.replace("-", ""), "urn:uuid:" + s, s + "\n", " " + s]


@given(st.uuids().flatmap(lambda u: st.sampled_from(_variants(u))) | st.text(max_size=40))
def test_a_record_id_is_accepted_only_as_the_canonical_uuid_text(value: str) -> None:
    """The id is the phone's key for the record, so only the exact text it will come back as is taken."""
    try:
        canonical: str | None = str(uuid.UUID(value))
    except ValueError:
        canonical = None
    try:
        _check_id(value)
        accepted = True
    except RecordError as exc:
        accepted = False
        assert exc.field == "id"
        if canonical is not None:
            assert canonical in exc.message
    assert accepted == (canonical == value)
