"""The sync engine against a real server process, with network faults injected on purpose."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from app.status import record_status
from app.store import LocalStore
from app.sync import SyncEngine, SyncError, SyncProgress, login
from tests.app.helpers import FaultyTransport, server_counts, visit
from tests.conftest import DEFAULT_PASSWORD, LiveServer


@dataclass
class Planner:
    server: LiveServer
    district_id: int
    user_id: int
    token: str
    db_path: Path


@pytest.fixture
def planner(live_server: LiveServer) -> Planner:
    district_id = live_server.add_district("甲区")
    user_id = live_server.add_user("planner1", "planner", ["甲区"])
    session = login(live_server.url, "planner1", DEFAULT_PASSWORD)
    assert session.user["username"] == "planner1"
    return Planner(
        live_server, district_id, user_id, session.token, live_server.data_dir / "fieldlog.sqlite3"
    )


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore(tmp_path / "phone" / "store.sqlite3")
    yield store
    store.close()


def engine(store: LocalStore, p: Planner, transport: FaultyTransport, **kw: object) -> SyncEngine:
    return SyncEngine(store, p.server.url, p.token, transport=transport, sleep=lambda _s: None, **kw)  # type: ignore[arg-type]


def jpeg(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return buf.getvalue()


def test_a_clean_sync_pushes_pulls_and_records_time_and_clock_offset(
    planner: Planner, phone: LocalStore
) -> None:
    ids = phone.save_many("visit", [visit(planner.district_id, day=d) for d in range(1, 8)])
    seen: list[SyncProgress] = []
    report = engine(phone, planner, FaultyTransport(), progress=seen.append, batch_size=3).sync()
    assert report.pushed == 7 and report.duplicates == 0 and report.pulled >= 7
    assert phone.outbox_count() == 0
    assert {r.id for r in phone.records()} == set(ids)
    assert all(record_status(r).code == "synced" for r in phone.records())
    assert phone.last_sync_at() is not None
    offset = phone.clock_offset_s()
    assert offset is not None and abs(offset) < 5  # same machine: the clocks agree
    assert seen[0].phase == "push" and seen[-1].phase == "pull"
    push_done = [p.done for p in seen if p.phase == "push"]
    assert push_done == sorted(push_done) and push_done[-1] == 7
    assert server_counts(planner.db_path)["visits"] == 7


def test_a_lost_answer_after_the_server_applied_is_resent_and_counted_once(
    planner: Planner, phone: LocalStore
) -> None:
    phone.save_many("visit", [visit(planner.district_id, day=d) for d in range(1, 6)])
    transport = FaultyTransport()
    transport.plan = ["lose_answer"]
    report = engine(phone, planner, transport).sync()
    # The retry re-sent the same op_ids: the server answered duplicate and applied nothing twice.
    assert report.duplicates == 5 and report.pushed == 0
    assert transport.requests[:2] == [("POST", "/api/sync/push")] * 2
    counts = server_counts(planner.db_path)
    assert counts["visits"] == counts["visits_distinct"] == 5 and counts["applied_ops"] == 5
    assert phone.outbox_count() == 0
    assert all(r.server_version == 1 for r in phone.records())


def test_server_errors_then_success_sync_everything_once(planner: Planner, phone: LocalStore) -> None:
    phone.save_many("visit", [visit(planner.district_id, day=d) for d in range(1, 4)])
    transport = FaultyTransport()
    transport.plan = ["503", "drop", "503"]
    report = engine(phone, planner, transport, max_attempts=5).sync()
    assert report.pushed == 3 and phone.outbox_count() == 0
    assert server_counts(planner.db_path)["visits"] == 3


def test_a_sync_that_cannot_reach_the_server_keeps_everything_for_the_next_one(
    planner: Planner, phone: LocalStore
) -> None:
    rid = phone.save("visit", visit(planner.district_id))
    transport = FaultyTransport()
    transport.down = True
    with pytest.raises(SyncError, match="cannot reach server"):
        engine(phone, planner, transport, max_attempts=3).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "saved"
    transport.down = False
    engine(phone, planner, transport).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"
    assert server_counts(planner.db_path)["visits"] == 1


def test_photos_upload_only_what_the_server_lacks_and_count_after_it_confirmed(
    planner: Planner, phone: LocalStore
) -> None:
    a, b, c = (phone.add_photo(jpeg(col), b"thumb") for col in ("red", "green", "blue"))
    rid = phone.save("visit", visit(planner.district_id, photos=[a, b, c]))
    transport = FaultyTransport()
    # Push answers, the missing-list answers, the first upload (its offset, its bytes) goes through, then
    # the network fails.
    transport.plan = [None, None, None, None, "drop", "drop"]
    with pytest.raises(SyncError):
        engine(phone, planner, transport, max_attempts=2).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and (rec.photos_uploaded, rec.photos_total) == (1, 3)
    st = record_status(rec)
    assert (st.code, st.done, st.total) == ("photos", 1, 3)
    transport.requests.clear()
    report = engine(phone, planner, transport).sync()
    sent = [path for method, path in transport.requests if method == "PATCH"]
    assert len(sent) == 2 and f"/api/attachments/{a}/upload" not in sent  # resumed, not restarted
    assert report.photos_uploaded == 2
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"
    assert hashlib.sha256(jpeg("red")).hexdigest() == a


def test_a_damaged_photo_is_reported_and_does_not_stop_the_others_or_the_pull(
    planner: Planner, phone: LocalStore
) -> None:
    good, bad = phone.add_photo(jpeg("red")), phone.add_photo(jpeg("blue"))
    damaged = phone.photo_path(bad)
    assert damaged is not None
    damaged.write_bytes(jpeg("black"))  # the bytes no longer match the digest the record names
    rid = phone.save("visit", visit(planner.district_id, photos=[good, bad]))
    report = engine(phone, planner, FaultyTransport()).sync()
    assert report.photos_uploaded == 1 and report.pulled >= 1
    assert any(bad in e and "sha256" in e for e in report.errors)
    rec = phone.get("visit", rid)
    assert rec is not None and (rec.photos_uploaded, rec.photos_total) == (1, 2)
    assert phone.last_sync_at() is not None


def test_edits_saved_while_a_sync_runs_in_another_thread_are_neither_lost_nor_sent_twice(
    planner: Planner, phone: LocalStore
) -> None:
    ids = phone.save_many("visit", [visit(planner.district_id, day=d) for d in range(1, 13)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_syncing() -> None:
        try:
            while not stop.is_set():
                engine(phone, planner, FaultyTransport(), batch_size=2).sync()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    worker = threading.Thread(target=keep_syncing)
    worker.start()
    try:
        for round_no in range(6):  # the UI thread keeps editing while sync runs
            for rid in ids:
                phone.save("visit", visit(planner.district_id, site=f"第{round_no}轮 {rid[:4]}"), rid)
    finally:
        stop.set()
        worker.join(timeout=120)
    assert not errors, errors
    engine(phone, planner, FaultyTransport()).sync()
    assert phone.outbox_count() == 0
    with sqlite3.connect(f"file:{planner.db_path}?mode=ro", uri=True) as c:
        server = {rid: (json.loads(d), v) for rid, d, v in c.execute("SELECT id, data, version FROM visits")}
    assert set(server) == set(ids)
    for rid in ids:
        rec = phone.get("visit", rid)
        assert rec is not None and not rec.dirty
        assert server[rid][0] == rec.data and rec.data["site"].startswith("第5轮")
        assert server[rid][1] == rec.server_version


def test_an_edit_queued_behind_an_op_in_flight_is_sent_in_the_same_sync_once(
    planner: Planner, phone: LocalStore
) -> None:
    a, b = phone.save_many("visit", [visit(planner.district_id, day=d) for d in (1, 2)])
    transport = FaultyTransport()
    transport.down = True
    with pytest.raises(SyncError):
        engine(phone, planner, transport, max_attempts=1).sync()  # both ops marked sent, outcome unknown
    transport.down = False
    # A's edit is a second op; it waits behind A's first and is queued before C and D.
    phone.save("visit", visit(planner.district_id, day=1, site="改过的片区"), a)
    c, d = phone.save_many("visit", [visit(planner.district_id, day=day) for day in (3, 4)])
    seen: list[SyncProgress] = []
    report = engine(phone, planner, transport, batch_size=2, progress=seen.append).sync()
    assert report.pushed == 5 and report.duplicates == 0
    assert phone.outbox_count() == 0
    assert [p.done for p in seen if p.phase == "push"][-1] == 5
    with sqlite3.connect(f"file:{planner.db_path}?mode=ro", uri=True) as conn:
        server = {
            rid: (json.loads(data), v)
            for rid, data, v in conn.execute("SELECT id, data, version FROM visits")
        }
    assert set(server) == {a, b, c, d}
    assert server[a][1] == 2 and server[a][0]["site"] == "改过的片区"
    rec = phone.get("visit", a)
    assert rec is not None and rec.server_version == 2 and not rec.dirty
    assert server_counts(planner.db_path)["applied_ops"] == 5


def test_batches_prepared_behind_a_failed_request_are_sent_by_the_next_sync_each_once(
    planner: Planner, phone: LocalStore
) -> None:
    ids = phone.save_many("visit", [visit(planner.district_id, day=d) for d in range(1, 7)])
    transport = FaultyTransport()
    transport.plan = [None, "drop"]  # the first batch goes through, the second never reaches the server
    with pytest.raises(SyncError):
        engine(phone, planner, transport, batch_size=2, max_attempts=1).sync()
    # The third batch was taken (marked sent) while the second was on its way; nothing was lost.
    assert phone.outbox_count() == 4
    assert sorted(r.op_state or "" for r in phone.records() if r.dirty) == ["sent"] * 4
    report = engine(phone, planner, transport, batch_size=2).sync()
    assert report.pushed == 4 and report.duplicates == 0 and phone.outbox_count() == 0
    counts = server_counts(planner.db_path)
    assert counts["visits"] == counts["visits_distinct"] == 6 and counts["applied_ops"] == 6
    assert {r.id for r in phone.records()} == set(ids)


def noisy_jpeg(seed: int, size: tuple[int, int] = (480, 360)) -> bytes:
    """A real photo-sized JPEG (tens of kilobytes): noise does not compress."""
    buf = io.BytesIO()
    Image.effect_noise(size, 30 + seed).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_an_upload_that_broke_off_resumes_from_the_bytes_the_server_holds(
    planner: Planner, phone: LocalStore
) -> None:
    body = noisy_jpeg(1)
    digest = phone.add_photo(body)
    rid = phone.save("visit", visit(planner.district_id, photos=[digest]))
    transport = FaultyTransport()
    # Push, missing list, the offset (0), then the upload breaks after 60% of the photo reached the server.
    transport.plan = [None, None, None, "cut_upload"]
    seen: list[SyncProgress] = []
    report = engine(phone, planner, transport, progress=seen.append).sync()

    patches = [r for r in transport.sent if r.method == "PATCH"]
    assert [r.headers["Upload-Offset"] for r in patches] == ["0", str(int(len(body) * 0.6))]
    assert int(patches[1].headers["Content-Length"]) == len(body) - int(len(body) * 0.6)
    assert report.photos_uploaded == 1 and report.photo_resumes == 1 and report.errors == []
    path = planner.server.data_dir / "attachments" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == body
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"
    photo_steps = [p for p in seen if p.phase == "photos"]
    assert photo_steps[-1].done == photo_steps[-1].total == 1
    assert photo_steps[-1].sent_bytes == photo_steps[-1].total_bytes == len(body)


def test_an_older_server_without_resumable_upload_gets_each_photo_whole(
    planner: Planner, phone: LocalStore
) -> None:
    bodies = [noisy_jpeg(seed) for seed in range(3)]
    digests = [phone.add_photo(b) for b in bodies]
    rid = phone.save("visit", visit(planner.district_id, photos=digests))
    transport = FaultyTransport()
    transport.old_server = True
    report = engine(phone, planner, transport).sync()
    assert report.photos_uploaded == 3 and report.errors == []
    asked = [path for method, path in transport.requests if method == "HEAD"]
    puts = [path for method, path in transport.requests if method == "PUT"]
    assert len(asked) == 1  # asked once; the engine remembers the answer for the other photos
    assert sorted(puts) == sorted(f"/api/attachments/{d}" for d in digests)
    assert report.photo_bytes_sent == sum(len(b) for b in bodies)
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"


def test_photo_progress_moves_by_bytes_and_photos_to_the_totals(planner: Planner, phone: LocalStore) -> None:
    bodies = [noisy_jpeg(seed, size=(640, 480)) for seed in range(2)]
    digests = [phone.add_photo(b) for b in bodies]
    phone.save("visit", visit(planner.district_id, photos=digests))
    seen: list[SyncProgress] = []
    engine(phone, planner, FaultyTransport(), progress=seen.append).sync()
    steps = [p for p in seen if p.phase == "photos" and p.total_bytes]
    total = sum(len(b) for b in bodies)
    assert all(p.total_bytes == total and p.total == 2 for p in steps)
    sent = [p.sent_bytes for p in steps]
    assert sent == sorted(sent) and sent[-1] == total
    assert len(set(sent)) > len(bodies) * 2  # it moves within a photo, not only when one is done
    assert [p.done for p in steps] == sorted(p.done for p in steps) and steps[-1].done == 2
