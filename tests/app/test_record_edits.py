"""Editing and deleting records on the phone: a record only the phone has goes without a trace, one the
server may have goes as a tombstone behind its earlier ops, and a refused delete waits for a person.

Push answers are applied by hand here, as the sync engine would apply them; tests/e2e runs the same against
a real server.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.edits import RecordEditor
from app.store import DELETED, TOMBSTONE, LocalStore, OutgoingOp
from shared.records import RecordError
from tests.app.helpers import visit


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore(tmp_path / "phone.sqlite3")
    yield s
    s.close()


def jpeg(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, "JPEG")
    return buf.getvalue()


def answer(store: LocalStore, ops: list[OutgoingOp], status: str, version: int | None = 1, **kw: Any) -> None:
    store.apply_push_results(
        ops, [{"op_id": o.op_id, "status": status, "version": version, **kw} for o in ops]
    )


def synced(store: LocalStore, **over: Any) -> str:
    """A visit the server has at version 1."""
    rid = store.save("visit", visit(**over))
    answer(store, store.take_push_batch(10), "applied", 1)
    return rid


def rows(store: LocalStore, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as c:
        return c.execute(sql).fetchall()


def test_deleting_a_record_no_request_carried_leaves_nothing_on_the_phone(store: LocalStore) -> None:
    own, shared = store.add_photo(jpeg("red"), b"thumb"), store.add_photo(jpeg("blue"), b"thumb")
    other = store.save("visit", visit(site="别处", photos=[shared]))
    rid = store.save("visit", visit(photos=[own, shared]))
    store.save("visit", visit(site="改过", photos=[own, shared]), rid)
    assert store.delete("visit", rid) == DELETED
    assert store.get("visit", rid) is None and [r.id for r in store.records()] == [other]
    assert rows(store, f"SELECT count(*) FROM outbox WHERE record_id = '{rid}'") == [(0,)]
    assert rows(store, f"SELECT count(*) FROM records WHERE id = '{rid}'") == [(0,)]
    # Its own photo goes (file, thumbnail, row); the one another record shows stays.
    assert store.photo_path(own) is None and store.thumb_path(own) is None
    assert store.photo_path(shared) is not None
    assert {d for (d,) in rows(store, "SELECT sha256 FROM photos")} == {shared}
    assert store.deletes_waiting() == 0
    [op] = store.take_push_batch(10)
    assert op.record_id == other  # nothing of the deleted record ever leaves


def test_a_record_whose_op_may_have_reached_the_server_is_deleted_by_a_tombstone_behind_it(
    store: LocalStore,
) -> None:
    photo = store.add_photo(jpeg("green"), b"thumb")
    rid = store.save("visit", visit(photos=[photo]))
    [create] = store.take_push_batch(10)  # sent: the answer may be lost
    assert store.get("visit", rid).on_server  # type: ignore[union-attr]
    assert store.delete("visit", rid) == TOMBSTONE
    assert store.get("visit", rid) is None and store.records() == [] and store.deletes_waiting() == 1
    assert store.photo_path(photo) is not None  # kept until the server holds the tombstone
    assert store.take_push_batch(10, after_seq=create.seq) == []  # waits for the create's outcome

    answer(store, [create], "duplicate", 1, original="applied")
    [tombstone] = store.take_push_batch(10)
    assert (tombstone.base_version, tombstone.data, tombstone.wire()["data"]) == (1, None, None)
    assert '"data":null' in tombstone.wire_json()
    answer(store, [tombstone], "applied", 2)
    assert rows(store, "SELECT count(*) FROM records") == [(0,)] and store.outbox_count() == 0
    assert store.photo_path(photo) is None and store.deletes_waiting() == 0


def test_deleting_a_synced_record_turns_its_waiting_edit_into_the_tombstone(store: LocalStore) -> None:
    rid = synced(store)
    store.save("visit", visit(site="改过"), rid)
    assert store.delete("visit", rid) == TOMBSTONE
    [op] = store.take_push_batch(10)
    assert (op.base_version, op.data) == (1, None) and store.outbox_count() == 1


def test_an_edit_of_a_synced_record_goes_on_the_version_it_was_made_on(store: LocalStore) -> None:
    rid = synced(store)
    RecordEditor(store).edit("visit", rid, {"site": "改过", "notes": "补记"})
    [op] = store.take_push_batch(10)
    assert (
        op.base_version == 1
        and op.data is not None
        and (op.data["site"], op.data["notes"]) == ("改过", "补记")
    )


def test_a_record_deleted_here_cannot_be_edited_or_deleted_again(store: LocalStore) -> None:
    rid = synced(store)
    store.delete("visit", rid)
    with pytest.raises(RecordError) as err:
        store.save("visit", visit(site="复活"), rid)
    assert err.value.field == "id"
    with pytest.raises(RecordError) as err:
        store.delete("visit", rid)
    assert err.value.field == "id"
    with pytest.raises(RecordError) as err:
        store.delete("opinion", synced(store))
    assert err.value.field == "kind"


def test_a_refused_first_op_of_a_record_deleted_here_means_the_server_never_had_it(store: LocalStore) -> None:
    photo = store.add_photo(jpeg("white"), b"thumb")
    rid = store.save("visit", visit(district_id=99, photos=[photo]))
    ops = store.take_push_batch(10)
    assert store.delete("visit", rid) == TOMBSTONE
    answer(store, ops, "rejected", None, error="district_id: is not a district you serve")
    assert rows(store, "SELECT count(*) FROM records") == [(0,)] and store.outbox_count() == 0
    assert store.photo_path(photo) is None


def test_a_delete_refused_as_a_conflict_waits_for_a_person_who_may_bring_the_record_back(
    store: LocalStore,
) -> None:
    rid = synced(store, site="原地点")
    store.delete("visit", rid)
    ops = store.take_push_batch(10)
    answer(store, ops, "conflict", 2, error="id: the visit is confirmed and locked")
    [conflict] = store.conflicts()
    assert conflict.deleting and conflict.record_id == rid and conflict.server_version == 2
    assert store.take_push_batch(10) == []
    store.resolve_conflict(rid, keep_mine=False)
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["site"] == "原地点" and not rec.dirty and store.deletes_waiting() == 0

    store.delete("visit", rid)
    answer(store, store.take_push_batch(10), "conflict", 3)
    store.resolve_conflict(rid, keep_mine=True)  # still delete it, on the server's version
    [again] = store.take_push_batch(10)
    assert (again.base_version, again.data) == (3, None) and store.get("visit", rid) is None


def test_deleting_a_record_in_conflict_drops_the_refused_edit_and_deletes_on_the_servers_version(
    store: LocalStore,
) -> None:
    rid = synced(store)
    store.save("visit", visit(site="改过"), rid)
    answer(store, store.take_push_batch(10), "conflict", 4)
    assert store.delete("visit", rid) == TOMBSTONE
    assert store.conflicts() == []
    [op] = store.take_push_batch(10)
    assert (op.base_version, op.data) == (4, None)


def test_a_pulled_tombstone_settles_a_delete_waiting_here(store: LocalStore) -> None:
    rid = synced(store)
    store.delete("visit", rid)
    store.apply_pull([{"kind": "visit", "id": rid, "version": 2, "deleted": True, "data": None}], "c9")
    assert rows(store, "SELECT count(*) FROM records") == [(0,)] and store.outbox_count() == 0


def test_the_editor_offers_what_the_server_would_take(store: LocalStore) -> None:
    editor = RecordEditor(store)
    here = store.save("visit", visit())
    rec = store.get("visit", here)
    assert rec is not None
    assert editor.changeable(rec) == editor.changeable(rec).__class__(True, True, None, True)

    locked = synced(store)
    store.apply_pull(
        [
            {
                "kind": "visit",
                "id": locked,
                "version": 2,
                "deleted": False,
                "data": visit(),
                "state": {"review": "confirmed"},
            }
        ],
        "c1",
    )
    rec = store.get("visit", locked)
    assert rec is not None
    got = editor.changeable(rec)
    assert (got.edit, got.delete, got.reason, got.only_here) == (False, False, "edit.locked", False)
    with pytest.raises(RecordError) as err:
        editor.edit("visit", locked, {"site": "x"})
    assert err.value.field == "id"
    with pytest.raises(RecordError):
        editor.delete("visit", locked)

    conflicted = synced(store)
    store.save("visit", visit(site="改"), conflicted)
    answer(store, store.take_push_batch(10), "conflict", 2)
    rec = store.get("visit", conflicted)
    assert rec is not None
    got = editor.changeable(rec)
    assert (got.edit, got.delete, got.reason) == (False, True, "edit.conflict")


def test_an_edit_through_the_editor_clears_emptied_fields_and_names_a_bad_one(store: LocalStore) -> None:
    editor = RecordEditor(store)
    rid = store.save("visit", visit(notes="旧记录"))
    editor.edit("visit", rid, {"notes": ""})
    rec = store.get("visit", rid)
    assert rec is not None and rec.data["notes"] is None and store.outbox_count() == 1
    with pytest.raises(RecordError) as err:
        editor.edit("visit", rid, {"site": ""})
    assert err.value.field == "site"
    with pytest.raises(RecordError) as err:
        editor.edit("visit", "0190a2b3-0000-7000-8000-000000000000", {"site": "x"})
    assert err.value.field == "id"
    assert editor.delete("visit", rid) == DELETED
