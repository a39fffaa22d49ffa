"""End to end: the phone's store and sync engine against a real server process on loopback."""

from __future__ import annotations

import shutil
import threading

import pytest

from app.status import record_status
from app.store import LocalStore
from app.sync import SyncError, SyncProgress
from tests.app.helpers import CONFIRM_FLAGGED, FaultyTransport, server_counts, visit
from tests.e2e.conftest import Deployment


def test_a_visit_made_offline_is_synced_confirmed_by_staff_and_counted_with_its_hours(
    deployment_any: Deployment,
) -> None:
    phone = deployment_any.phone()
    offline = FaultyTransport()
    offline.down = True
    rid = phone.save("visit", visit(deployment_any.district_id, day=3, hours=2.5))
    with pytest.raises(SyncError):
        deployment_any.engine(phone, offline, max_attempts=2).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "saved"

    deployment_any.engine(phone).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced" and rec.review == "pending"

    with deployment_any.staff() as staff:
        staff.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED).raise_for_status()
    with deployment_any.coordinator() as coord:
        summary = coord.get("/api/summary/planners", params={"year": 2026}).json()
    [row] = [p for p in summary["planners"] if p["planner_id"] == deployment_any.planner_id]
    assert row["visits_confirmed"] == 1 and row["hours_confirmed"] == 2.5

    deployment_any.engine(phone).sync()
    rec = phone.get("visit", rid)
    assert rec is not None and rec.review == "confirmed" and record_status(rec).code == "confirmed"
    progress = phone.year_progress(2026)
    assert (progress.visits_confirmed, progress.hours_confirmed) == (1, 2.5)


def test_a_visit_rejected_by_staff_shows_the_reason_on_the_phone(deployment: Deployment) -> None:
    phone = deployment.phone()
    rid = phone.save("visit", visit(deployment.district_id))
    deployment.engine(phone).sync()
    with deployment.staff() as staff:
        staff.post(f"/api/visits/{rid}/reject", json={"reason": "缺少现场照片"}).raise_for_status()
    deployment.engine(phone).sync()
    rec = phone.get("visit", rid)
    assert rec is not None
    status = record_status(rec)
    assert status.code == "rejected" and status.reason == "缺少现场照片"


def test_the_same_batch_pushed_twice_is_stored_once(deployment_any: Deployment) -> None:
    phone = deployment_any.phone("a")
    phone.save_many("visit", [visit(deployment_any.district_id, day=d) for d in range(1, 21)])
    phone.close()
    shutil.copytree(
        deployment_any.tmp / "a", deployment_any.tmp / "a-copy"
    )  # the phone before its first sync
    phone = deployment_any.phone("a")
    first = deployment_any.engine(phone).sync()
    again_phone = deployment_any.phone("a-copy")
    again = deployment_any.engine(again_phone).sync()
    assert first.pushed == 20 and again.duplicates == 20 and again.pushed == 0
    counts = server_counts(deployment_any.db)
    assert counts["visits"] == counts["visits_distinct"] == 20 and counts["applied_ops"] == 20
    assert again_phone.outbox_count() == 0
    assert all(r.server_version == 1 for r in again_phone.records())


def test_an_edit_after_confirmation_is_a_conflict_never_merged(deployment_any: Deployment) -> None:
    phone = deployment_any.phone()
    rid = phone.save("visit", visit(deployment_any.district_id, site="原地点"))
    deployment_any.engine(phone).sync()
    with deployment_any.staff() as staff:
        staff.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED).raise_for_status()
    phone.save("visit", visit(deployment_any.district_id, site="改过的地点"), rid)
    report = deployment_any.engine(phone).sync()
    assert report.conflicts == 1
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "conflict"
    [conflict] = phone.conflicts()
    assert conflict.mine["site"] == "改过的地点"
    assert conflict.theirs is not None and conflict.theirs["site"] == "原地点"
    # The server kept the confirmed copy: a second phone of the planner sees the original.
    other = deployment_any.phone("other")
    deployment_any.engine(other).sync()
    theirs = other.get("visit", rid)
    assert theirs is not None and theirs.data["site"] == "原地点" and theirs.review == "confirmed"

    phone.resolve_conflict(rid, keep_mine=False)
    rec = phone.get("visit", rid)
    assert rec is not None and rec.data["site"] == "原地点" and record_status(rec).code == "confirmed"
    assert phone.outbox_count() == 0


def test_an_edit_on_a_stale_base_version_is_a_conflict_until_a_person_chooses(deployment: Deployment) -> None:
    a, b = deployment.phone("a"), deployment.phone("b")
    rid = a.save("visit", visit(deployment.district_id, site="甲"))
    deployment.engine(a).sync()
    deployment.engine(b).sync()
    b.save("visit", visit(deployment.district_id, site="乙（手机B）"), rid)
    deployment.engine(b).sync()  # the server is now at version 2
    a.save("visit", visit(deployment.district_id, site="甲（手机A）"), rid)  # made on version 1
    report = deployment.engine(a).sync()
    assert report.conflicts == 1
    [conflict] = a.conflicts()
    assert conflict.theirs is not None and conflict.theirs["site"] == "乙（手机B）"
    assert conflict.server_version == 2

    a.resolve_conflict(rid, keep_mine=True)  # re-queued on version 2
    report = deployment.engine(a).sync()
    assert report.pushed == 1 and a.conflicts() == []
    deployment.engine(b).sync()
    for phone in (a, b):
        rec = phone.get("visit", rid)
        assert rec is not None and rec.data["site"] == "甲（手机A）" and rec.server_version == 3


def test_a_server_killed_during_a_push_loses_and_doubles_nothing_after_restart(
    deployment_any: Deployment,
) -> None:
    phone = deployment_any.phone()
    n = 3000
    ids = set(phone.save_many("visit", [visit(deployment_any.district_id, day=1 + i % 28) for i in range(n)]))

    def kill_after_first_batch(p: SyncProgress) -> None:
        if p.phase == "push" and p.done >= 500:
            deployment_any.server.kill()

    with pytest.raises(SyncError, match="cannot reach server"):
        deployment_any.engine(phone, progress=kill_after_first_batch, batch_size=500, max_attempts=2).sync()
    # The engine sends the next batch while the server answers the previous one, so the kill finds one or
    # two batches answered; a batch committed whose answer the kill cut off stays in the outbox.
    acked = n - phone.outbox_count()
    assert acked in (500, 1000)
    assert acked <= server_counts(deployment_any.db, deployment_any.planner_id)["visits"] <= acked + 500
    deployment_any.server.start()
    deployment_any.engine(phone, batch_size=500).sync()
    assert phone.outbox_count() == 0
    counts = server_counts(deployment_any.db, deployment_any.planner_id)
    assert counts["visits"] == counts["visits_distinct"] == n
    fresh = deployment_any.phone("fresh")
    deployment_any.engine(fresh).sync()
    assert {r.id for r in fresh.records("visit")} == ids
    assert all(r.server_version == 1 for r in fresh.records("visit"))


def test_a_server_killed_while_a_large_batch_is_in_flight_applies_it_once(deployment_any: Deployment) -> None:
    phone = deployment_any.phone()
    n = 2000
    ids = set(phone.save_many("visit", [visit(deployment_any.district_id, day=1 + i % 28) for i in range(n)]))

    class KillInFlight(FaultyTransport):
        """Kills the server a moment after the second push leaves: it may or may not have committed."""

        pushes = 0
        killer = threading.Timer(0.02, deployment_any.server.kill)

        def handle_request(self, request):  # type: ignore[no-untyped-def]
            if request.url.path == "/api/sync/push":
                self.pushes += 1
                if self.pushes == 2:
                    self.killer.start()
            return super().handle_request(request)

    transport = KillInFlight()
    with pytest.raises(SyncError):
        deployment_any.engine(phone, transport, batch_size=1000, max_attempts=2).sync()
    # The sync can fail while the kill is still reaping the process; a restart then would find it "running".
    transport.killer.join()
    deployment_any.server.start()
    report = deployment_any.engine(phone, batch_size=1000).sync()
    assert phone.outbox_count() == 0
    # Whatever the killed transaction did, the re-send was either applied now or answered duplicate
    # (none is re-sent when the answer came back just before the kill).
    assert report.pushed + report.duplicates in (0, n - 1000)
    counts = server_counts(deployment_any.db, deployment_any.planner_id)
    assert counts["visits"] == counts["visits_distinct"] == n
    assert {r.id for r in phone.records("visit")} == ids and not any(r.dirty for r in phone.records())


def test_a_record_refused_by_the_server_names_the_field_and_can_be_fixed(deployment: Deployment) -> None:
    deployment.server.add_district("乙区")  # a district this planner does not serve
    phone = deployment.phone()
    rid = phone.save("visit", visit(deployment.district_id + 1))
    report = deployment.engine(phone).sync()
    assert report.rejected == 1
    rec = phone.get("visit", rid)
    assert rec is not None
    status = record_status(rec)
    assert status.code == "invalid" and status.field == "district_id"
    phone.save("visit", visit(deployment.district_id), rid)
    report = deployment.engine(phone).sync()
    assert report.pushed == 1
    rec = phone.get("visit", rid)
    assert rec is not None and record_status(rec).code == "synced"


def test_records_from_the_server_the_phone_never_saw_arrive_by_pull(deployment: Deployment) -> None:
    a = deployment.phone("a")
    rid = a.save("visit", visit(deployment.district_id))
    deployment.engine(a).sync()
    b: LocalStore = deployment.phone("b")
    deployment.engine(b, batch_size=1).sync()
    rec = b.get("visit", rid)
    assert rec is not None and rec.server_version == 1 and not rec.dirty
