"""Editing and deleting records on the phone, end to end against a real server process: nothing lost,
nothing counted twice, and a delete the server refuses is kept for a person."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.edits import RecordEditor
from app.store import DELETED, TOMBSTONE, LocalStore
from app.sync import SyncError
from tests.app.helpers import CONFIRM_FLAGGED, FaultyTransport, feedback, server_counts, visit
from tests.e2e.conftest import Deployment


def opinion(district_id: int) -> dict[str, Any]:
    return {
        "district_id": district_id,
        "subject": "东湖片区控规",
        "opinion_kind": "plan_review",
        "body": "同意",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }


def server_records(client: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every record the planner has on the server, as a fresh phone would pull it."""
    out: dict[str, dict[str, Any]] = {}
    cursor = ""
    while True:
        body = client.get("/api/sync/pull", params={"cursor": cursor, "limit": 500}).json()
        out.update({c["id"]: c for c in body["changes"] if c["kind"] in ("visit", "opinion", "feedback")})
        cursor = body["cursor"]
        if not body["has_more"]:
            return out


def planner(d: Deployment) -> httpx.Client:
    return d.server.login("planner1")


def test_records_deleted_before_any_sync_never_reach_the_server(deployment_any: Deployment) -> None:
    d = deployment_any
    phone = d.phone()
    editor = RecordEditor(phone)
    gone_visit = phone.save("visit", visit(d.district_id, site="签错了"))
    gone_feedback = phone.save("feedback", feedback(d.district_id))
    kept = phone.save("opinion", opinion(d.district_id))
    editor.edit("visit", gone_visit, {"notes": "先改一下"})
    assert editor.delete("visit", gone_visit) == DELETED
    assert editor.delete("feedback", gone_feedback) == DELETED
    report = d.engine(phone).sync()
    assert report.pushed == 1
    counts = server_counts(d.db)
    assert (counts["visits"], counts["feedback"], counts["opinions"], counts["applied_ops"]) == (0, 0, 1, 1)
    with planner(d) as client:
        assert set(server_records(client)) == {kept}


def test_an_unsynced_record_edited_many_times_goes_as_one_op(deployment_any: Deployment) -> None:
    d = deployment_any
    phone = d.phone()
    rid = phone.save("visit", visit(d.district_id, site="甲"))
    for site in ("乙", "丙", "丁"):
        RecordEditor(phone).edit("visit", rid, {"site": site})
    assert phone.outbox_count() == 1
    d.engine(phone).sync()
    with planner(d) as client:
        [change] = server_records(client).values()
    assert (change["version"], change["data"]["site"]) == (1, "丁")
    assert server_counts(d.db)["applied_ops"] == 1


def test_a_synced_record_deleted_on_the_phone_is_a_tombstone_every_phone_learns(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone, other = d.phone("a"), d.phone("b")
    rid = phone.save("visit", visit(d.district_id, site="重复签到"))
    keep = phone.save("visit", visit(d.district_id, site="留下", day=2))
    d.engine(phone).sync()
    d.engine(other).sync()
    assert RecordEditor(phone).delete("visit", rid) == TOMBSTONE
    assert phone.get("visit", rid) is None
    d.engine(phone).sync()
    assert phone.outbox_count() == 0 and phone.deletes_waiting() == 0
    with planner(d) as client:
        records = server_records(client)
    assert records[rid]["deleted"] is True and records[rid]["version"] == 2
    assert records[keep]["deleted"] is False
    d.engine(other).sync()
    assert other.get("visit", rid) is None and [r.id for r in other.records()] == [keep]
    # The planner's pending visits on the server count the survivor only.
    with d.coordinator() as coord:
        summary = coord.get("/api/summary/planners", params={"year": 2026}).json()
    [row] = [p for p in summary["planners"] if p["planner_id"] == d.planner_id]
    assert row["visits_pending"] == 1


def test_a_delete_behind_a_lost_answer_is_applied_once_and_nothing_counts_twice(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone = d.phone()
    rid = phone.save("visit", visit(d.district_id))
    transport = FaultyTransport()
    transport.plan = ["lose_answer"]  # the create arrives; its answer never comes back
    with pytest.raises(SyncError, match="cannot reach"):
        d.engine(phone, transport, max_attempts=1).sync()
    transport.plan = []
    assert phone.get("visit", rid).on_server  # type: ignore[union-attr]
    assert RecordEditor(phone).delete("visit", rid) == TOMBSTONE  # the server may have it: a tombstone
    report = d.engine(phone, transport).sync()
    assert (report.duplicates, report.pushed) == (1, 1)
    counts = server_counts(d.db)
    assert (counts["visits"], counts["visits_distinct"], counts["applied_ops"]) == (1, 1, 2)
    with planner(d) as client:
        assert server_records(client)[rid]["deleted"] is True
    assert phone.outbox_count() == 0


def test_deleting_a_visit_confirmed_meanwhile_is_a_conflict_a_person_resolves(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone = d.phone()
    rid = phone.save("visit", visit(d.district_id, site="已确认"))
    d.engine(phone).sync()
    with d.staff() as staff:
        staff.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED).raise_for_status()
    # The phone has not heard of the confirmation yet: the planner deletes.
    assert RecordEditor(phone).delete("visit", rid) == TOMBSTONE
    report = d.engine(phone).sync()
    assert report.conflicts == 1
    [conflict] = phone.conflicts()
    assert conflict.deleting and conflict.theirs is not None and conflict.theirs["site"] == "已确认"
    with planner(d) as client:
        assert server_records(client)[rid]["deleted"] is False
    phone.resolve_conflict(rid, keep_mine=False)
    back = phone.get("visit", rid)
    assert back is not None and back.review == "confirmed" and not back.dirty
    assert not RecordEditor(phone).changeable(back).delete


def opinions_of(phone: LocalStore) -> list[str]:
    return [r.data["subject"] for r in phone.records("opinion")]


def test_opinions_and_feedback_edit_after_sync_on_their_version(deployment_any: Deployment) -> None:
    d = deployment_any
    phone = d.phone()
    oid = phone.save("opinion", opinion(d.district_id))
    fid = phone.save("feedback", feedback(d.district_id))
    d.engine(phone).sync()
    editor = RecordEditor(phone)
    editor.edit("opinion", oid, {"subject": "东湖片区控规（修改）"})
    editor.edit("feedback", fid, {"content": "路口需要红绿灯"})
    report = d.engine(phone).sync()
    assert report.pushed == 2 and report.conflicts == 0
    with planner(d) as client:
        records = server_records(client)
    assert (records[oid]["version"], records[oid]["data"]["subject"]) == (2, "东湖片区控规（修改）")
    assert records[fid]["data"]["content"] == "路口需要红绿灯"
    assert opinions_of(phone) == ["东湖片区控规（修改）"]
