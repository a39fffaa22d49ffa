"""The phone's local store: what is saved, what waits in the outbox, and what a pull may change."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.status import record_status
from app.store import MIGRATIONS, SCHEMA_VERSION, LocalStore, _dumps, _utc, make_engine, migrate
from shared.records import RecordError
from tests.app.helpers import feedback, visit


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "phone.sqlite3")
    yield s
    s.close()


def _raw(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def test_saving_a_visit_writes_the_record_and_its_outbox_op_in_one_go(store: LocalStore) -> None:
    rid = store.save("visit", visit())
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["site"] == "老城片区"
    assert rec.server_version == 0 and rec.dirty and rec.op_state == "pending"
    assert store.outbox_count() == 1
    assert record_status(rec).code == "saved"
    ops = _raw(store.path, "SELECT record_id, kind, data FROM outbox")
    assert ops[0][0] == rid and json.loads(str(ops[0][2]))["site"] == "老城片区"


def test_saving_invalid_data_raises_naming_the_field_and_stores_nothing(store: LocalStore) -> None:
    bad = visit(ended_at="2026-03-01T08:00:00+08:00")  # before the start
    with pytest.raises(RecordError) as err:
        store.save("visit", bad)
    assert err.value.field == "ended_at"
    with pytest.raises(RecordError) as err2:
        store.save("visit", {**visit(), "site": ""})
    assert err2.value.field == "site"
    assert store.records() == [] and store.outbox_count() == 0


def test_invalid_edit_of_a_saved_record_keeps_the_previous_data(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    with pytest.raises(RecordError):
        store.save("visit", {**visit(), "lat": 91.0, "lon": 1.0}, rid)
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["site"] == "甲" and rec.data["lat"] is None


def test_editing_an_unsynced_record_coalesces_into_its_waiting_op(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    store.save("visit", visit(site="乙"), rid)
    store.save("visit", visit(site="丙"), rid)
    assert store.outbox_count() == 1
    ops = store.take_push_batch(10)
    assert len(ops) == 1 and ops[0].data["site"] == "丙" and ops[0].base_version == 0


def test_an_edit_after_the_op_was_sent_queues_a_new_op_sent_after_the_first_outcome(
    store: LocalStore,
) -> None:
    rid = store.save("visit", visit(site="甲"))
    first = store.take_push_batch(10)  # sent, outcome unknown (say the answer was lost)
    store.save("visit", visit(site="乙"), rid)
    assert store.outbox_count() == 2
    again = store.take_push_batch(10)
    # Only the first op goes again (same op_id); the edit waits for its outcome to learn its base.
    assert [o.op_id for o in again] == [first[0].op_id]
    store.apply_push_results(
        again,
        [
            {
                "op_id": first[0].op_id,
                "status": "duplicate",
                "version": 1,
                "error": None,
                "original": "applied",
            }
        ],
    )
    second = store.take_push_batch(10)
    assert len(second) == 1 and second[0].data["site"] == "乙" and second[0].base_version == 1
    assert second[0].op_id != first[0].op_id


def test_the_next_batch_taken_while_one_is_in_flight_never_holds_its_ops_or_their_records(
    store: LocalStore,
) -> None:
    a, b, c = store.save_many("visit", [visit(day=d) for d in range(1, 4)])
    first = store.take_push_batch(2)
    store.save("visit", visit(day=1, site="乙"), a)  # queued behind a's op in flight
    following = store.take_push_batch(10, after_seq=first[-1].seq)
    assert [o.record_id for o in first] == [a, b]
    assert [o.record_id for o in following] == [c]
    for batch in (first, following):
        store.apply_push_results(
            batch, [{"op_id": o.op_id, "status": "applied", "version": 1} for o in batch]
        )
    # Once a's first op is answered, its edit goes from the front, on the version that answer gave.
    [edit] = store.take_push_batch(10)
    assert edit.record_id == a and edit.base_version == 1 and edit.data["site"] == "乙"


def test_applied_push_sets_the_server_version_and_clears_the_op(store: LocalStore) -> None:
    ids = store.save_many("visit", [visit(day=d) for d in range(1, 4)])
    ops = store.take_push_batch(10)
    out = store.apply_push_results(ops, [{"op_id": o.op_id, "status": "applied", "version": 1} for o in ops])
    assert out.applied == 3 and store.outbox_count() == 0
    for rid in ids:
        rec = store.get("visit", rid)
        assert rec is not None and rec.server_version == 1 and not rec.dirty
        assert record_status(rec).code == "synced"


def test_a_conflict_is_stored_and_keep_mine_requeues_on_the_servers_version(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    store.save("visit", visit(site="乙"), rid)
    ops = store.take_push_batch(10)
    store.apply_push_results(
        ops,
        [
            {
                "op_id": ops[0].op_id,
                "status": "conflict",
                "version": 3,
                "error": "id: the visit is confirmed and locked",
            }
        ],
    )
    rec = store.get("visit", rid)
    assert rec is not None and rec.op_state == "conflict" and record_status(rec).code == "conflict"
    [conflict] = store.conflicts()
    assert conflict.record_id == rid and conflict.mine["site"] == "乙" and conflict.server_version == 3
    assert store.take_push_batch(10) == []  # held until a person decides
    store.resolve_conflict(rid, keep_mine=True)
    assert store.conflicts() == []
    [op] = store.take_push_batch(10)
    assert op.base_version == 3 and op.data["site"] == "乙" and op.op_id != ops[0].op_id


def test_a_conflict_resolved_for_the_server_takes_the_pulled_copy(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    store.save("visit", visit(site="乙"), rid)
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "conflict", "version": 2}])
    server_copy = {**visit(site="服务器"), "photos": []}
    store.apply_pull(
        [
            {
                "kind": "visit",
                "id": rid,
                "version": 2,
                "deleted": False,
                "data": server_copy,
                "state": {"review": "confirmed"},
            }
        ],
        "c2",
    )
    [conflict] = store.conflicts()
    assert conflict.theirs is not None and conflict.theirs["site"] == "服务器"
    store.resolve_conflict(rid, keep_mine=False)
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["site"] == "服务器" and rec.server_version == 2 and not rec.dirty
    assert rec.review == "confirmed" and store.outbox_count() == 0


def test_a_rejected_op_names_the_field_and_a_fix_resends_the_same_op(store: LocalStore) -> None:
    rid = store.save("visit", visit(district_id=99))
    ops = store.take_push_batch(10)
    store.apply_push_results(
        ops,
        [
            {
                "op_id": ops[0].op_id,
                "status": "rejected",
                "version": None,
                "error": "district_id: you do not serve this district",
            }
        ],
    )
    rec = store.get("visit", rid)
    assert rec is not None
    status = record_status(rec)
    assert status.code == "invalid" and status.field == "district_id"
    assert store.take_push_batch(10) == []
    store.save("visit", visit(district_id=1), rid)
    [again] = store.take_push_batch(10)
    assert again.op_id == ops[0].op_id and again.data["district_id"] == 1


def test_a_pulled_change_never_overwrites_an_unsynced_edit_but_records_the_review(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    store.save("visit", visit(site="我的修改"), rid)
    store.apply_pull(
        [
            {
                "kind": "visit",
                "id": rid,
                "version": 2,
                "deleted": False,
                "data": visit(site="服务器"),
                "state": {"review": "confirmed", "hours": 2.0},
            }
        ],
        "c1",
    )
    rec = store.get("visit", rid)
    assert rec is not None
    assert rec.data["site"] == "我的修改" and rec.server_version == 1 and rec.dirty
    assert rec.review == "confirmed" and rec.state["hours"] == 2.0
    assert store.pull_cursor() == "c1"


def test_a_pulled_change_updates_a_clean_record_and_adds_new_ones(store: LocalStore) -> None:
    rid = store.save("visit", visit(site="甲"))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    other = "7d1f3b0e-3c35-4a43-a0b1-0a1f4b5bb001"
    store.apply_pull(
        [
            {
                "kind": "visit",
                "id": rid,
                "version": 2,
                "deleted": False,
                "data": visit(site="乙"),
                "state": {"review": "rejected", "reject_reason": "no photo"},
            },
            {
                "kind": "feedback",
                "id": other,
                "version": 1,
                "deleted": False,
                "data": feedback(),
                "state": {},
            },
        ],
        "c9",
    )
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["site"] == "乙" and rec.server_version == 2
    st = record_status(rec)
    assert st.code == "rejected" and st.reason == "no photo"
    assert store.get("feedback", other) is not None


def test_pulled_invitations_and_unknown_kinds_are_kept_without_crashing(store: LocalStore) -> None:
    store.apply_pull(
        [
            {
                "kind": "invitation",
                "id": "inv-1",
                "version": 4,
                "deleted": False,
                "data": {"topic": "规划评审会"},
                "state": {"response": None},
            },
            {"kind": "hologram", "id": "h-1", "version": 1, "deleted": False, "data": {"x": 1}},
        ],
        "c3",
    )
    assert store.invitations()[0]["data"] == {"topic": "规划评审会"}
    assert _raw(store.path, "SELECT kind, id FROM foreign_changes") == [("hologram", "h-1")]
    assert store.records() == [] and store.pull_cursor() == "c3"


def test_a_pulled_batch_that_fails_to_apply_keeps_nothing_and_not_the_cursor(store: LocalStore) -> None:
    store.apply_pull([], "c1")
    good = {
        "kind": "visit",
        "id": "7d1f3b0e-3c35-4a43-a0b1-0a1f4b5bb002",
        "version": 1,
        "deleted": False,
        "data": visit(),
        "state": {},
    }
    broken = {"kind": "visit", "id": None, "version": 1, "deleted": False, "data": visit(), "state": {}}
    with pytest.raises(Exception):  # noqa: B017 - any database error; what matters is what stayed
        store.apply_pull([good, broken], "c2")
    assert store.pull_cursor() == "c1" and store.records() == []


def test_the_device_id_is_made_once_and_kept(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "p.sqlite3") as s:
        first = s.device_id
    with LocalStore(tmp_path / "p.sqlite3") as s:
        assert s.device_id == first


def test_a_schema_migration_from_an_older_local_schema_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    with engine.connect() as c, c.begin():
        migrate(c, upto=1)  # the first shipped schema
        c.exec_driver_sql(
            "INSERT INTO records (id, kind, data, created_at, updated_at) VALUES (?, 'visit', ?, ?, ?)",
            (
                "7d1f3b0e-3c35-4a43-a0b1-0a1f4b5bb003",
                json.dumps(visit(site="旧数据")),
                "2026-03-01T02:00:00.000000Z",
                "2026-03-01T02:00:00.000000Z",
            ),
        )
        c.exec_driver_sql(
            "INSERT INTO outbox (op_id, kind, record_id, data, created_at)"
            " VALUES ('op-1', 'visit', ?, '{}', ?)",
            ("7d1f3b0e-3c35-4a43-a0b1-0a1f4b5bb003", "2026-03-01T02:00:00.000000Z"),
        )
    engine.dispose()
    assert SCHEMA_VERSION == len(MIGRATIONS) > 1
    with LocalStore(path) as s:
        [rec] = s.records()
        assert rec.data["site"] == "旧数据" and rec.dirty
        assert s.outbox_count() == 1
        assert s.year_progress(2026).visits_pending == 1  # the backfilled time places it in its year
    assert _raw(path, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_a_failing_migration_leaves_the_old_schema_untouched(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    with engine.connect() as c, c.begin():
        migrate(c, upto=1)
        c.exec_driver_sql("CREATE TABLE invitations (id TEXT)")  # makes step 2 of v2 fail midway
    engine.dispose()
    with pytest.raises(Exception):  # noqa: B017
        LocalStore(path)
    cols = [r[1] for r in _raw(path, "PRAGMA table_info(records)")]
    assert "occurred_at" not in cols
    assert _raw(path, "SELECT version FROM schema_version") == [(1,)]


def test_a_photo_is_stored_under_its_sha256_and_counts_as_waiting_until_confirmed(store: LocalStore) -> None:
    jpeg, thumb = b"\xff\xd8jpeg-bytes\xff\xd9", b"\xff\xd8thumb\xff\xd9"
    digest = store.add_photo(jpeg, thumb)
    assert digest == hashlib.sha256(jpeg).hexdigest()
    p, t = store.photo_path(digest), store.thumb_path(digest)
    assert p is not None and p.read_bytes() == jpeg and t is not None and t.read_bytes() == thumb
    assert not list(store.photo_dir.rglob("*.tmp"))
    rid = store.save("visit", visit(photos=[digest]))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    rec = store.get("visit", rid)
    assert rec is not None and (rec.photos_uploaded, rec.photos_total) == (0, 1)
    st = record_status(rec)
    assert (st.code, st.done, st.total) == ("photos", 0, 1)
    assert store.photos_to_upload() == [digest]
    store.mark_photos_uploaded([digest])
    rec = store.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"
    assert store.photos_to_upload() == []


def test_year_progress_counts_confirmed_visits_and_their_hours(store: LocalStore) -> None:
    a = store.save("visit", visit(day=1, hours=2.5))
    b = store.save("visit", visit(day=2, hours=1.0))
    store.save("visit", visit(day=3, hours=3.0))
    # A visit starting at 2026-12-31 23:30 Beijing time is 2026 work, though it is 15:30 UTC.
    store.save(
        "visit",
        {**visit(), "started_at": "2026-12-31T23:30:00+08:00", "ended_at": "2027-01-01T00:30:00+08:00"},
    )
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": o.op_id, "status": "applied", "version": 1} for o in ops])
    store.apply_pull(
        [
            {
                "kind": "visit",
                "id": a,
                "version": 2,
                "deleted": False,
                "data": visit(day=1, hours=2.5),
                "state": {"review": "confirmed"},
            },
            {
                "kind": "visit",
                "id": b,
                "version": 2,
                "deleted": False,
                "data": visit(day=2, hours=1.0),
                "state": {"review": "rejected", "reject_reason": "x"},
            },
        ],
        "c",
    )
    p = store.year_progress(2026)
    assert (p.visits_confirmed, p.hours_confirmed) == (1, 2.5)
    assert (p.visits_pending, p.hours_pending) == (2, 4.0)
    assert store.year_progress(2027).visits_pending == 0


def test_records_are_listed_newest_first(store: LocalStore) -> None:
    store.save("visit", visit(day=1))
    store.save("visit", visit(day=5))
    store.save("feedback", feedback())
    assert [r.kind for r in store.records()] == ["feedback", "visit", "visit"]
    assert [r.data["started_at"][:10] for r in store.records("visit")] == ["2026-03-05", "2026-03-01"]


def test_a_photo_leaves_the_phone_only_after_the_server_holds_it_and_the_visit_is_confirmed(
    store: LocalStore,
) -> None:
    digest = store.add_photo(b"\xff\xd8site-photo\xff\xd9", b"\xff\xd8thumb\xff\xd9")
    rid = store.save("visit", visit(photos=[digest]))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])

    def confirm() -> None:
        change = {"kind": "visit", "id": rid, "version": 2, "deleted": False, "data": visit(photos=[digest])}
        store.apply_pull([{**change, "state": {"review": "confirmed"}}], "c2")

    # Confirmed by staff, but the server has not confirmed the photo's digest: the original stays.
    confirm()
    assert store.release_confirmed_photos() == []
    assert store.photo_path(digest) is not None

    store.mark_photos_uploaded([digest])
    assert store.release_confirmed_photos() == [digest]
    assert store.photo_path(digest) is None
    assert store.thumb_path(digest) is not None  # the lists still show it


def test_an_uploaded_photo_of_a_visit_still_under_review_stays_on_the_phone(store: LocalStore) -> None:
    digest = store.add_photo(b"\xff\xd8pending-photo\xff\xd9", None)
    store.save("visit", visit(photos=[digest]))
    ops = store.take_push_batch(10)
    store.apply_push_results(ops, [{"op_id": ops[0].op_id, "status": "applied", "version": 1}])
    store.mark_photos_uploaded([digest])
    assert store.release_confirmed_photos() == []
    assert store.photo_path(digest) is not None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_the_phone_writes_records_as_compact_json_the_json_module_would(value: object) -> None:
    assert _dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(
    st.datetimes(
        datetime(1000, 1, 2),
        datetime(9999, 12, 30),
        timezones=st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
    )
)
def test_stored_times_are_one_fixed_utc_text_so_text_order_is_time_order(at: datetime) -> None:
    assert _utc(at) == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
