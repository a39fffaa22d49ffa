"""Record validation: the phone and the server refuse bad input with a message that names the field."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.records import (
    FEEDBACK,
    OPINION,
    VISIT,
    RecordError,
    new_id,
    parse_time,
    validate,
    validate_parsed,
)

VISIT_OK: dict[str, Any] = {
    "district_id": 1,
    "site": "建设路片区",
    "purpose": "实地指导",
    "started_at": "2026-03-01T09:00:00+08:00",
    "ended_at": "2026-03-01T11:00:00+08:00",
    "lat": 33.73,
    "lon": 113.19,
    "accuracy_m": 8.0,
    "photos": ["a" * 64],
}


def test_a_complete_visit_is_accepted_and_normalised() -> None:
    clean = validate(VISIT, VISIT_OK)
    assert clean["site"] == "建设路片区"
    assert clean["photos"] == ["a" * 64]
    assert clean["notes"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("district_id", None),
        ("district_id", "1"),
        ("site", ""),
        ("site", "建设路\x00片区"),  # NUL: PostgreSQL cannot store it
        ("notes", "\x00"),
        ("purpose", None),
        ("started_at", "2026-03-01T09:00:00"),  # no offset: the instant is unknown
        ("started_at", "yesterday"),
        ("ended_at", "2026-03-01T08:00:00+08:00"),  # before check-in
        ("lat", 91),
        ("lat", float("nan")),
        ("lon", float("inf")),
        ("accuracy_m", True),  # JSON true is not a number
        ("lon", "113"),
        ("accuracy_m", -1),
        ("photos", ["not-a-digest"]),
        ("photos", "a" * 64),
        ("planner_id", 7),  # the owner is the signed-in user, never a field
    ],
)
def test_each_bad_visit_field_is_refused_by_name(field: str, value: Any) -> None:
    data = dict(VISIT_OK, **{field: value})
    with pytest.raises(RecordError) as exc:
        validate(VISIT, data)
    assert exc.value.field == field
    assert str(exc.value).startswith(field)


def test_a_position_needs_both_coordinates() -> None:
    with pytest.raises(RecordError) as exc:
        validate(VISIT, dict(VISIT_OK, lon=None))
    assert exc.value.field == "lon"


def test_cq6_an_opinion_keeps_its_dissent_on_record() -> None:
    clean = validate(
        OPINION,
        {
            "district_id": 1,
            "subject": "某地块控制性详细规划调整",
            "opinion_kind": "plan_review",
            "body": "建议降低容积率。",
            "dissent": "对限高调整保留意见。",
            "issued_at": "2026-03-02T10:00:00+08:00",
        },
    )
    assert clean["dissent"] == "对限高调整保留意见。"


def test_a_resident_contact_is_refused_without_consent() -> None:
    data = {
        "district_id": 1,
        "place": "幸福小区",
        "category": "traffic",
        "content": "路口缺少人行横道",
        "contact": "13800000000",
        "collected_at": "2026-03-02T10:00:00+08:00",
    }
    with pytest.raises(RecordError) as exc:
        validate(FEEDBACK, data)
    assert exc.value.field == "contact"
    assert validate(FEEDBACK, dict(data, contact_consent=True))["contact"] == "13800000000"


def test_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(RecordError) as exc:
        validate("meeting", {})
    assert exc.value.field == "kind"


@given(st.dictionaries(st.text(max_size=12), st.none() | st.integers() | st.text(max_size=30), max_size=8))
def test_any_garbage_either_validates_or_names_a_field(data: dict[str, Any]) -> None:
    for kind in (VISIT, OPINION, FEEDBACK):
        try:
            validate(kind, data)
        except RecordError as exc:
            assert exc.field
            assert str(exc).startswith(exc.field)


_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_instants = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=_offsets)


@given(_instants, st.integers(0, 10 * 24 * 3600), st.sampled_from(["isoformat", "z", "space"]))
def test_visit_times_are_kept_as_the_instants_written_whatever_the_spelling(
    start: datetime, seconds: int, spelling: str
) -> None:
    def spell(dt: datetime) -> str:
        if spelling == "z":
            return dt.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
        return dt.isoformat(sep=" " if spelling == "space" else "T")

    end = start + timedelta(seconds=seconds)
    clean, times = validate_parsed(VISIT, dict(VISIT_OK, started_at=spell(start), ended_at=spell(end)))
    assert (times["started_at"], times["ended_at"]) == (start, end)
    assert parse_time(clean["started_at"]) == start and parse_time(clean["ended_at"]) == end
    assert clean == validate(VISIT, clean), "cleaning twice changes nothing"


def test_new_ids_are_canonical_uuid7_that_carry_the_millisecond_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    parsed = uuid.UUID(made)
    assert str(parsed) == made  # the server takes ids only as canonical text
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert before <= parsed.int >> 80 <= after


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones() -> None:
    # Why it matters: the server's indexes on record and op ids then grow at one end (bench/sync_push.py).
    ids = []
    for _ in range(5):
        ids.append(new_id())
        time.sleep(0.002)
    assert ids == sorted(ids)


def test_ids_made_in_one_burst_never_collide() -> None:
    ids = [new_id() for _ in range(100_000)]
    assert len(set(ids)) == len(ids)
