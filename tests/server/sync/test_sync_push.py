"""Push: applied, duplicate, conflict, rejected; per-op judgement; malformed requests; ownership."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from shared.protocol import MAX_OPS_PER_PUSH
from tests.server.conftest import World, feedback, op, opinion, pull_all, push, push_body, visit


async def test_push_applies_then_the_same_batch_is_a_duplicate_and_nothing_changes(world: World) -> None:
    ops = [op("visit", visit(world.a)), op("opinion", opinion(world.a)), op("feedback", feedback(world.a))]
    first = await push(world.p1, *ops)
    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["version"] for r in first] == [1, 1, 1]
    before = await world.api.stored()
    changes_before, cursor = await pull_all(world.p1)

    again = await push(world.p1, *ops)
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["original"] for r in again] == ["applied"] * 3
    assert [r["version"] for r in again] == [1, 1, 1]
    assert await world.api.stored() == before
    changes_after, _ = await pull_all(world.p1, cursor)
    assert changes_after == []
    assert len(changes_before) == 3


async def test_the_planner_of_a_record_is_the_signed_in_user(world: World) -> None:
    data = visit(world.a)
    [res] = await push(world.p1, op("visit", data))
    assert res["status"] == "applied"
    changes, _ = await pull_all(world.p1)
    assert changes[0]["state"]["planner_id"] == world.p1_id
    # A planner_id in data is not a field of a visit: refused, never trusted.
    [res] = await push(world.p1, op("visit", {**data, "planner_id": world.p2_id}))
    assert res["status"] == "rejected"
    assert res["error"].startswith("planner_id:")


async def test_an_edit_on_the_current_version_applies_and_bumps_the_version(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    [res] = await push(world.p1, op("visit", visit(world.a, site="新地点"), rid, base_version=1))
    assert (res["status"], res["version"]) == ("applied", 2)
    changes, _ = await pull_all(world.p1)
    assert changes[-1]["data"]["site"] == "新地点"
    assert changes[-1]["version"] == 2


async def test_a_stale_base_version_is_a_stored_conflict_never_merged(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    await push(world.p1, op("visit", visit(world.a, site="第二版"), rid, base_version=1))
    stale = op("visit", visit(world.a, site="旧手机上的修改"), rid, base_version=1, op_id="stale-edit-1")
    [res] = await push(world.p1, stale, device_id="phone-2")
    assert res["status"] == "conflict"
    assert res["version"] == 2
    assert "base_version" in res["error"]
    changes, _ = await pull_all(world.p1)
    assert [c["data"]["site"] for c in changes if c["id"] == rid] == ["第二版"]
    async with world.api.db.read() as conn:
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT op_id, record_id, base_version, server_version, reason, data,"
                    " device_id FROM conflicts"
                )
            )
        ).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.op_id, row.record_id, row.base_version, row.server_version, row.reason, row.device_id) == (
        "stale-edit-1",
        rid,
        1,
        2,
        "stale",
        "phone-2",
    )
    # Re-sending the conflicting op is a duplicate of the conflict, not a second conflict.
    [again] = await push(world.p1, stale, device_id="phone-2")
    assert (again["status"], again["original"]) == ("duplicate", "conflict")
    assert await world.api.count("conflicts") == 1


async def test_an_edit_after_confirmation_is_a_conflict(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    assert (
        await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    ).status_code == 200
    # The planner edits on the version the staff confirmed: the visit is locked all the same.
    [res] = await push(world.p1, op("visit", visit(world.a, site="改了"), rid, base_version=2))
    assert res["status"] == "conflict"
    assert "confirmed" in res["error"]
    [delete] = await push(world.p1, op("visit", None, rid, base_version=2))
    assert delete["status"] == "conflict"
    async with world.api.db.read() as conn:
        reasons = (await conn.execute(sa.text("SELECT reason FROM conflicts ORDER BY id"))).scalars().all()
    assert reasons == ["locked", "locked"]
    changes, _ = await pull_all(world.p1)
    final = [c for c in changes if c["id"] == rid][-1]
    assert final["data"]["site"] == "解放碑社区"
    assert final["state"]["review"] == "confirmed"
    assert final["deleted"] is False


INVALID_FIELDS: list[tuple[str, str, dict[str, Any]]] = [
    ("visit", "site", {"site": ""}),
    ("visit", "purpose", {"purpose": None}),
    ("visit", "started_at", {"started_at": "2025-06-01T09:00:00"}),
    ("visit", "started_at", {"started_at": "yesterday"}),
    ("visit", "ended_at", {"ended_at": "2025-06-01T08:00:00+08:00"}),
    ("visit", "lat", {"lat": 91.0, "lon": 106.5}),
    ("visit", "lon", {"lat": 29.5}),
    ("visit", "accuracy_m", {"accuracy_m": "good"}),
    ("visit", "photos", {"photos": ["not-a-digest"]}),
    ("visit", "district_id", {"district_id": "A区"}),
    ("visit", "notes", {"notes": "x" * 20_001}),
    ("visit", "colour", {"colour": "red"}),
    ("opinion", "opinion_kind", {"opinion_kind": "rant"}),
    ("opinion", "body", {"body": "   "}),
    ("opinion", "visit_id", {"visit_id": "not-a-uuid"}),
    ("opinion", "issued_at", {"issued_at": None}),
    ("feedback", "category", {"category": "weather"}),
    ("feedback", "contact", {"contact": "13800000000", "contact_consent": False}),
    ("feedback", "collected_at", {"collected_at": 20250601}),
]
MAKERS = {"visit": visit, "opinion": opinion, "feedback": feedback}


@pytest.mark.parametrize(
    ("kind", "field", "change"), INVALID_FIELDS, ids=[f"{k}-{f}" for k, f, _ in INVALID_FIELDS]
)
async def test_each_invalid_field_is_rejected_naming_the_field_and_nothing_is_stored(
    world: World, kind: str, field: str, change: dict[str, Any]
) -> None:
    before = await world.api.stored()
    [res] = await push(world.p1, op(kind, MAKERS[kind](world.a, **change)))
    assert res["status"] == "rejected"
    assert res["version"] is None
    assert res["error"].startswith(f"{field}:"), res["error"]
    assert await world.api.stored() == before


async def test_a_rejected_op_can_be_sent_again_once_fixed(world: World) -> None:
    rid, op_id = str(uuid.uuid4()), "fix-me"
    [bad] = await push(world.p1, op("visit", visit(world.a, site=""), rid, op_id=op_id))
    assert bad["status"] == "rejected"
    [good] = await push(world.p1, op("visit", visit(world.a), rid, op_id=op_id))
    assert good["status"] == "applied"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "diary"}, "kind"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": "{" + str(uuid.uuid4()).upper() + "}"}, "id"),
        ({"base_version": -1}, "base_version"),
    ],
)
async def test_bad_op_envelopes_are_rejected_naming_the_field(
    world: World, change: dict[str, Any], field: str
) -> None:
    [res] = await push(world.p1, {**op("visit", visit(world.a)), **change})
    assert res["status"] == "rejected"
    assert res["error"].startswith(f"{field}:")
    assert await world.api.count("visits") == 0


async def test_a_bad_op_among_good_ones_does_not_sink_them(world: World) -> None:
    ops = [
        op("visit", visit(world.a)),
        op("visit", visit(world.a, started_at="not a time")),
        op("opinion", opinion(world.b)),  # p1 does not serve B
        op("feedback", feedback(world.a)),
        op("visit", visit(world.a), base_version=3),  # an edit of a record that does not exist
        op("opinion", opinion(world.a)),
    ]
    results = await push(world.p1, *ops)
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "applied",
        "rejected",
        "applied",
    ]
    assert [r["op_id"] for r in results] == [o["op_id"] for o in ops]
    assert (
        await world.api.count("visits"),
        await world.api.count("opinions"),
        await world.api.count("feedback"),
    ) == (1, 1, 1)
    assert await world.api.count("applied_ops") == 3


async def test_numbers_too_long_for_the_database_are_rejected_by_name_and_the_rest_is_kept(
    world: World,
) -> None:
    """JSON numbers have no size limit; a 400-digit one is a rejected op naming its field, never a 500."""
    huge = 10**400
    rid = str(uuid.uuid4())
    [created] = await push(world.p1, op("visit", visit(world.a), rid))
    results = await push(
        world.p1,
        op("visit", visit(world.a, lat=huge, lon=113.2)),
        op("visit", visit(huge)),
        op("visit", visit(world.a, site="新地点"), rid, base_version=huge),
        op("feedback", feedback(world.a)),
    )
    assert created["status"] == "applied"
    assert [(r["status"], (r["error"] or "").split(":")[0]) for r in results] == [
        ("rejected", "lat"),
        ("rejected", "district_id"),
        ("rejected", "base_version"),
        ("applied", ""),
    ]
    assert (await world.api.count("visits"), await world.api.count("feedback")) == (1, 1)


MALFORMED: list[tuple[Any, str]] = [
    ({"ops": []}, "device_id"),
    ({"device_id": "", "ops": []}, "device_id"),
    ({"device_id": "d"}, "ops"),
    ({"device_id": "d", "ops": {"op_id": "x"}}, "ops"),
    ({"device_id": "d", "ops": ["not an op"]}, "ops[0]"),
    (
        {"device_id": "d", "ops": [{"kind": "visit", "id": "x", "base_version": 0, "data": {}}]},
        "ops[0].op_id",
    ),
    ({"device_id": "d", "ops": [{"op_id": "o", "id": "x", "base_version": 0, "data": {}}]}, "ops[0].kind"),
    (
        {"device_id": "d", "ops": [{"op_id": "o", "kind": "visit", "base_version": 0, "data": {}}]},
        "ops[0].id",
    ),
    (
        {"device_id": "d", "ops": [{"op_id": "o", "kind": "visit", "id": "x", "data": {}}]},
        "ops[0].base_version",
    ),
    (
        {
            "device_id": "d",
            "ops": [{"op_id": "o", "kind": "visit", "id": "x", "base_version": "1", "data": {}}],
        },
        "ops[0].base_version",
    ),
    (
        {"device_id": "d", "ops": [{"op_id": "o", "kind": "visit", "id": "x", "base_version": 0}]},
        "ops[0].data",
    ),
    (
        {
            "device_id": "d",
            "ops": [{"op_id": "o", "kind": "visit", "id": "x", "base_version": 0, "data": [1]}],
        },
        "ops[0].data",
    ),
    # NUL: PostgreSQL cannot store it (it was a 500 there); SQLite's JSON functions cut a text at it.
    ({"device_id": "phone\x00", "ops": []}, "device_id"),
    (
        {
            "device_id": "d",
            "ops": [{"op_id": "o\x00", "kind": "visit", "id": "x", "base_version": 0, "data": {}}],
        },
        "ops[0].op_id",
    ),
    ({"device_id": "d", "ops": [], "clock_offset_s": "soon"}, "clock_offset_s"),
    ({"device_id": "d", "ops": [], "clock_offset_s": 10**400}, "clock_offset_s"),  # JSON has no size limit
    (["not", "an", "object"], "body"),
]


@pytest.mark.parametrize(("body", "field"), MALFORMED, ids=[f for _, f in MALFORMED])
async def test_a_malformed_push_is_400_naming_the_field_and_nothing_is_stored(
    world: World, body: Any, field: str
) -> None:
    # A good op rides along where the body has an ops list: the whole request is refused, it too.
    if isinstance(body, dict) and isinstance(body.get("ops"), list) and body["ops"]:
        body = {**body, "ops": [op("visit", visit(world.a)), *body["ops"]]}
        field = field.replace("ops[0]", "ops[1]")
    before = await world.api.stored()
    resp = await world.p1.post("/api/sync/push", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field
    assert resp.json()["detail"].startswith(f"{field}:")
    assert await world.api.stored() == before


async def test_a_push_without_a_body_is_400_naming_the_body(world: World) -> None:
    resp = await world.p1.post("/api/sync/push", content=b"", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json() == {"status_code": 400, "detail": "body: is required (a JSON object)", "field": "body"}


async def test_a_push_that_is_not_json_is_400(world: World) -> None:
    resp = await world.p1.post(
        "/api/sync/push", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith("body:")


async def test_a_push_with_too_many_ops_is_400_naming_ops(world: World) -> None:
    ops = [op("feedback", feedback(world.a)) for _ in range(MAX_OPS_PER_PUSH + 1)]
    resp = await world.p1.post("/api/sync/push", json=push_body(*ops))
    assert resp.status_code == 400
    assert resp.json()["field"] == "ops"
    assert await world.api.count("feedback") == 0


async def test_a_planner_cannot_push_into_a_district_they_do_not_serve(world: World) -> None:
    for kind in ("visit", "opinion", "feedback"):
        [res] = await push(world.p1, op(kind, MAKERS[kind](world.b)))
        assert res["status"] == "rejected"
        assert res["error"].startswith("district_id:")
    # Nor move an own record there by an edit.
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    [res] = await push(world.p1, op("visit", visit(world.b), rid, base_version=1))
    assert res["status"] == "rejected"
    assert res["error"].startswith("district_id:")
    assert await world.api.count("visits") == 1


async def test_a_planner_cannot_overwrite_or_delete_another_planners_record(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p2, op("visit", visit(world.b), rid))
    results = await push(
        world.p1,
        op("visit", visit(world.a), rid),  # a "create" with someone else's id
        op("visit", visit(world.a), rid, base_version=1),
        op("visit", None, rid, base_version=1),
    )
    assert [r["status"] for r in results] == ["rejected"] * 3
    # The answer is the same as for an id that does not exist: nothing about the other record leaks.
    [unknown] = await push(world.p1, op("visit", visit(world.a), str(uuid.uuid4()), base_version=1))
    assert {r["error"] for r in results} == {unknown["error"]}
    assert all("李规划" not in r["error"] and "B区" not in r["error"] for r in results)
    changes, _ = await pull_all(world.p2)
    assert [(c["version"], c["deleted"], c["data"]["district_id"]) for c in changes] == [(1, False, world.b)]


async def test_a_planner_cannot_read_another_planners_records(world: World) -> None:
    await push(world.p2, op("visit", visit(world.b)), op("opinion", opinion(world.b)))
    changes, _ = await pull_all(world.p1)
    assert changes == []


@pytest.mark.parametrize("who", ["s1", "coord", "admin"])
async def test_only_planners_push_records(world: World, who: str) -> None:
    resp = await getattr(world, who).post("/api/sync/push", json=push_body(op("visit", visit(world.a))))
    assert resp.status_code == 403
    assert await world.api.count("visits") == 0


async def test_a_delete_is_a_tombstone_that_pulls_as_deleted(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("feedback", feedback(world.a), rid))
    [res] = await push(world.p1, op("feedback", None, rid, base_version=1))
    assert (res["status"], res["version"]) == ("applied", 2)
    changes, _ = await pull_all(world.p1)
    assert changes[-1] == {**changes[-1], "id": rid, "deleted": True, "data": None, "version": 2}
    [again] = await push(world.p1, op("feedback", feedback(world.a), rid, base_version=2))
    assert again["status"] == "conflict"


async def test_create_and_edits_of_one_record_in_one_batch_apply_in_order(world: World) -> None:
    rid = str(uuid.uuid4())
    results = await push(
        world.p1,
        op("visit", visit(world.a, ended_at=None), rid),
        op("visit", visit(world.a, site="第二版", ended_at=None), rid, base_version=1),
        op("visit", visit(world.a, site="第三版"), rid, base_version=2),
    )
    assert [(r["status"], r["version"]) for r in results] == [("applied", 1), ("applied", 2), ("applied", 3)]
    changes, _ = await pull_all(world.p1)
    assert len(changes) == 1
    assert (changes[0]["version"], changes[0]["data"]["site"], changes[0]["state"]["hours"]) == (
        3,
        "第三版",
        1.5,
    )


async def test_editing_a_rejected_visit_sends_it_back_for_review(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    resp = await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "照片缺失"})
    assert resp.status_code == 200
    [res] = await push(world.p1, op("visit", visit(world.a, notes="补充说明"), rid, base_version=2))
    assert (res["status"], res["version"]) == ("applied", 3)
    changes, _ = await pull_all(world.p1)
    assert changes[-1]["state"]["review"] == "pending"


async def test_a_batch_is_all_or_nothing_when_the_database_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected on purpose: the last write of the batch fails, so none of the batch is kept."""
    import server.sync.service as sync

    real = sync.audit

    async def failing_audit(*args: Any, **kwargs: Any) -> None:
        await real(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sync, "audit", failing_audit)
    body = push_body(op("visit", visit(world.a)), op("opinion", opinion(world.a)))
    resp = await world.p1.post("/api/sync/push", json=body)
    assert resp.status_code == 500
    assert set((await world.api.stored()).values()) == {0}
    monkeypatch.setattr(sync, "audit", real)
    # The phone sends the same batch again, and now it applies (nothing half-applied was remembered).
    assert [r["status"] for r in await push(world.p1, *body["ops"])] == ["applied", "applied"]


async def _install_refusing_trigger(world: World) -> None:
    """A fault injected on purpose, in the database itself: visits whose data mention "boom" are refused."""
    async with world.api.db.write() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON visits WHEN NEW.data LIKE '%boom%'"
                    " BEGIN SELECT RAISE(ABORT, 'boom'); END"
                )
            )
        else:
            await conn.execute(
                sa.text(
                    "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN"
                    " IF NEW.data::text LIKE '%boom%' THEN"
                    " RAISE EXCEPTION 'boom' USING ERRCODE = 'check_violation'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON visits"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
                )
            )


async def test_a_record_the_database_refuses_is_rejected_and_the_rest_of_the_batch_is_kept(
    world: World,
) -> None:
    await _install_refusing_trigger(world)
    ops = [
        op("visit", visit(world.a)),
        op("visit", visit(world.a, site="boom")),
        op("opinion", opinion(world.a)),
    ]
    results = await push(world.p1, *ops)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"].startswith("id:")
    assert (await world.api.count("visits"), await world.api.count("opinions")) == (1, 1)
    assert await world.api.count("applied_ops") == 2
    # Not remembered as applied: once the database accepts it, the same op applies.
    async with world.api.db.write() as conn:
        await conn.execute(
            sa.text("DROP TRIGGER refuse_boom" + ("" if conn.dialect.name == "sqlite" else " ON visits"))
        )
    [again] = await push(world.p1, ops[1])
    assert again["status"] == "applied"


async def test_a_nul_character_in_record_text_is_rejected_by_name_and_the_rest_is_kept(world: World) -> None:
    ops = [op("visit", visit(world.a, site="建设路\x00片区")), op("visit", visit(world.a))]
    results = await push(world.p1, *ops)
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["error"].startswith("site:")
    assert await world.api.count("visits") == 1


@pytest.mark.parametrize(
    "op_id", ['引号"与\\反斜杠', "第二次提交 😀", "123", "\u2028 line separator", "' OR 1=1 --"]
)
async def test_any_op_id_a_phone_sends_is_recognised_when_it_comes_again(world: World, op_id: str) -> None:
    # Known op ids are looked up as one JSON list on SQLite (server.core.db.one_of): any text must survive it.
    sent = op("visit", visit(world.a), op_id=op_id)
    [first] = await push(world.p1, sent)
    again, other = await push(world.p1, sent, op("visit", visit(world.a)))
    assert (first["status"], again["status"], again["original"]) == ("applied", "duplicate", "applied")
    assert other["status"] == "applied"
    assert await world.api.count("visits") == 2
    assert await world.api.count("applied_ops") == 2
