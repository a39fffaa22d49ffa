"""The kept yearly totals (`server.sync.totals`) are always the sum of their records.

A Hypothesis test sends random histories through the real API on both engines (creates, edits that move
a record across the local New Year, deletes, re-sends, stale edits, staff confirming and rejecting) and
checks after each that the summary, read from the kept totals, equals the totals aggregated from the
records themselves. The CLI tests show an operator finding and repairing a tampered number, and a
deployment that changes its time zone or upgrades from a database without totals.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core.migrate import alembic_config
from server.sync import totals
from server.sync.totals import records_totals_query
from tests.conftest import LiveServer
from tests.server.conftest import World, feedback, op, opinion, push, visit

# Instants around the local (Asia/Shanghai) New Year 2026, where a wrong year shows first.
TIMES = (
    "2025-06-01T09:00:00+08:00",
    "2025-12-31T23:10:00+08:00",  # 2025 locally, 15:10 UTC
    "2025-12-31T16:30:00+00:00",  # 2026 locally (00:30 on 1 January)
    "2026-01-01T00:00:00+08:00",  # the first instant of 2026
    "2026-07-15T14:00:00+08:00",
)
MINUTES = (None, 0, 1, 18, 90, 241)  # None: still checked in


def _later(iso: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(iso) + timedelta(minutes=minutes)).isoformat()


def _data(kind: str, district: int, at: str, minutes: int | None) -> dict[str, Any]:
    if kind == "visit":
        return visit(district, started_at=at, ended_at=None if minutes is None else _later(at, minutes))
    if kind == "opinion":
        return opinion(district, issued_at=at)
    return feedback(district, collected_at=at)


@dataclass
class Known:
    kind: str
    planner: int  # 0: p1 in district A, 1: p2 in district B, 2: p3 in both
    district: int
    version: int
    deleted: bool = False


STEP = st.tuples(
    st.sampled_from(("create", "edit", "stale_edit", "delete", "confirm", "reject", "resend", "batch")),
    st.sampled_from(("visit", "visit", "opinion", "feedback")),
    st.integers(0, 2),  # planner
    st.sampled_from(TIMES),
    st.sampled_from(MINUTES),
    st.integers(0, 10_000),  # which earlier record or op
)


async def _step(
    world: World, records: dict[str, Known], sent: list[tuple[int, dict[str, Any]]], s: Any
) -> None:
    action, kind, planner, at, minutes, pick = s
    clients = (world.p1, world.p2, world.p3)  # type: ignore[attr-defined]
    serves = ((world.a,), (world.b,), (world.a, world.b))
    staff = {world.a: world.s1, world.b: world.s2}
    district = serves[planner][pick % len(serves[planner])]
    live = sorted(rid for rid, k in records.items() if not k.deleted)
    if action == "create" or not live:
        rid = str(uuid.uuid4())
        o = op(kind, _data(kind, district, at, minutes), rid)
        [res] = await push(clients[planner], o)
        assert res["status"] == "applied", res
        records[rid] = Known(kind, planner, district, res["version"])
        sent.append((planner, o))
        return
    rid = live[pick % len(live)]
    k = records[rid]
    if action == "batch":
        # One push of several kinds: a record created and edited in the same batch, and an edit of an
        # existing record of the same planner (the union read of current rows, the folded insert).
        new_id = str(uuid.uuid4())
        mine = [r for r in live if records[r].planner == planner] or [None]
        old = mine[pick % len(mine)]
        ops = [
            op(kind, _data(kind, district, at, minutes), new_id),
            op(kind, _data(kind, district, TIMES[pick % len(TIMES)], 30), new_id, base_version=1),
            op("opinion", _data("opinion", district, at, None)),
        ]
        if old is not None:
            ko = records[old]
            ops.append(op(ko.kind, _data(ko.kind, district, at, minutes), old, ko.version))
        results = await push(clients[planner], *ops)
        assert [r["status"] for r in results[:3]] == ["applied"] * 3, results
        records[new_id] = Known(kind, planner, district, results[1]["version"])
        records[ops[2]["id"]] = Known("opinion", planner, district, 1)
        if old is not None and results[3]["status"] == "applied":
            records[old].version, records[old].district = results[3]["version"], district
        sent.extend((planner, o) for o in ops)
    elif action in ("edit", "stale_edit", "delete"):
        # p3's edits may move a record to the other district it serves.
        moved = serves[k.planner][pick % len(serves[k.planner])]
        base = k.version - 1 if action == "stale_edit" else k.version
        data = None if action == "delete" else _data(k.kind, moved, at, minutes)
        o = op(k.kind, data, rid, base_version=base)
        [res] = await push(clients[k.planner], o)
        assert res["status"] in ("applied", "conflict"), res
        if res["status"] == "applied":
            k.version, k.deleted = res["version"], data is None
            k.district = moved if data is not None else k.district
        sent.append((k.planner, o))
    elif action in ("confirm", "reject") and k.kind == "visit":
        body = {"reason_code": "verified_by_phone"} if action == "confirm" else {"reason": "照片不清"}
        resp = await staff[k.district].post(f"/api/visits/{rid}/{action}", json=body)
        assert resp.status_code in (200, 409), resp.text  # 409: still checked in
        if resp.status_code == 200:
            k.version = resp.json()["version"]
    elif action == "resend" and sent:
        who, o = sent[pick % len(sent)]
        [res] = await push(clients[who], o)
        assert res["status"] == "duplicate", res


async def _assert_totals_match_records(world: World) -> None:
    tz = world.api.settings.tz
    async with world.api.db.read() as conn:
        assert await totals.differences(conn, tz) == []
        # The records' totals summed per planner and per district.
        reference: dict[tuple[int, int], list[int]] = {}
        by_district: dict[tuple[int, int], list[int]] = {}
        for year in (2025, 2026):
            for r in await conn.execute(records_totals_query(year, tz)):
                for key, sums in (((r.planner_id, year), reference), ((r.district_id, year), by_district)):
                    row = sums.setdefault(key, [0] * len(totals.COLUMNS))
                    for i, c in enumerate(totals.COLUMNS):
                        row[i] += int(getattr(r, c))
    for year in (2025, 2026):
        resp = await world.coord.get(f"/api/summary/planners?year={year}")
        assert resp.status_code == 200, resp.text
        for p in resp.json()["planners"]:
            confirmed, hundredths, pending, opinions, feedback = reference.get(
                (p["planner_id"], year), [0] * len(totals.COLUMNS)
            )
            assert (p["visits_confirmed"], p["visits_pending"], p["opinions"], p["feedback"]) == (
                confirmed,
                pending,
                opinions,
                feedback,
            )
            assert round(p["hours_confirmed"] * 100) == hundredths
        resp = await world.coord.get(f"/api/dashboard?year={year}")
        assert resp.status_code == 200, resp.text
        for d in resp.json()["districts"]:
            confirmed, hundredths, _, opinions, feedback = by_district.get(
                (d["district_id"], year), [0] * len(totals.COLUMNS)
            )
            assert (d["visits_confirmed"], d["opinions"], d["feedback"]) == (confirmed, opinions, feedback)
            assert round(d["hours_confirmed"] * 100) == hundredths


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
async def test_summary_numbers_always_equal_the_sum_of_the_records(world: World, steps: list[Any]) -> None:
    # The world persists across examples: every history starts where the last one ended, which only
    # makes the invariant harder to keep.
    if not hasattr(world, "p3"):
        await world.api.add_user("p3", "planner", (world.a, world.b))
        world.p3 = await world.api.login("p3")  # type: ignore[attr-defined]
    records: dict[str, Known] = getattr(world, "_known", {})
    sent: list[tuple[int, dict[str, Any]]] = getattr(world, "_sent", [])
    world._known, world._sent = records, sent  # type: ignore[attr-defined]
    for s in steps:
        await _step(world, records, sent, s)
    await _assert_totals_match_records(world)


async def test_a_visit_confirmed_then_moved_to_next_year_counts_only_in_the_new_year(world: World) -> None:
    rid = str(uuid.uuid4())
    [res] = await push(world.p1, op("visit", visit(world.a), rid))
    resp = await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "时间写错了"})
    assert resp.status_code == 200
    moved = visit(world.a, started_at="2026-01-01T08:00:00+08:00", ended_at="2026-01-01T10:00:00+08:00")
    [res] = await push(world.p1, op("visit", moved, rid, base_version=2))
    assert res["status"] == "applied", res
    resp = await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    assert resp.status_code == 200, resp.text

    def mine(body: dict[str, Any]) -> dict[str, Any]:
        return next(p for p in body["planners"] if p["username"] == "p1")

    y2025 = mine((await world.coord.get("/api/summary/planners?year=2025")).json())
    y2026 = mine((await world.coord.get("/api/summary/planners?year=2026")).json())
    assert (y2025["visits_confirmed"], y2025["visits_pending"], y2025["hours_confirmed"]) == (0, 0, 0)
    assert (y2026["visits_confirmed"], y2026["visits_pending"], y2026["hours_confirmed"]) == (1, 0, 2.0)


# --- the operator's view: the CLI and start-up --------------------------------------------------------------


def _seeded(tmp_path: Path) -> LiveServer:
    """A migrated server on SQLite, stopped, with p1's visit (1 January 2026 in Shanghai, 2025 in UTC)
    and an opinion of June 2025, pushed through the API."""
    server = LiveServer(tmp_path)
    server.upgrade()
    with server:
        server.start()
        _seed(server)
    return server


def _seed(server: LiveServer) -> None:
    server.add_district("甲区")
    server.add_user("p1", "planner", ["甲区"])
    client = server.login("p1")
    district = client.get("/api/districts").json()[0]["id"]
    ops = [
        op(
            "visit",
            visit(district, started_at="2025-12-31T16:30:00+00:00", ended_at="2025-12-31T18:00:00+00:00"),
        ),
        op("opinion", opinion(district, issued_at="2025-06-02T10:00:00+08:00")),
    ]
    resp = client.post("/api/sync/push", json={"device_id": "phone", "ops": ops})
    assert [r["status"] for r in resp.json()["results"]] == ["applied", "applied"]
    client.close()


def _summary(client: httpx.Client, year: int) -> dict[str, Any]:
    [p] = client.get(f"/api/summary/planners?year={year}").json()["planners"]
    return dict(p)


def _pending_2025_2026(server: LiveServer) -> tuple[int, int]:
    with server.login("p1") as client:
        return _summary(client, 2025)["visits_pending"], _summary(client, 2026)["visits_pending"]


def test_db_totals_finds_a_tampered_number_and_repair_restores_the_sum_of_the_records(tmp_path: Path) -> None:
    server = _seeded(tmp_path)
    assert "0 row(s)" in server.cli("db", "totals").stdout

    db = sqlite3.connect(server.data_dir / "fieldlog.sqlite3")
    with db:
        db.execute("UPDATE planner_year_totals SET visits_pending = 7 WHERE year = 2026")
    db.close()
    found = server.cli("db", "totals", check=False)
    assert found.returncode == 1
    assert "visits_pending 7 -> 1" in found.stdout

    repaired = server.cli("db", "totals", "--repair")
    assert "1 row(s) (planner, district, year) differing from the records repaired" in repaired.stdout
    assert server.cli("db", "totals").returncode == 0


def test_server_started_in_another_time_zone_recounts_the_years(tmp_path: Path) -> None:
    server = _seeded(tmp_path)
    with server:
        server.start()
        assert _pending_2025_2026(server) == (0, 1)  # 2025-12-31 16:30 UTC is 1 January 2026 in Shanghai
        server.stop()
        server.env["FIELDLOG_TZ"] = "UTC"
        server.start()
        assert _pending_2025_2026(server) == (1, 0)


def test_upgrading_a_database_that_has_records_but_no_totals_builds_them(tmp_path: Path) -> None:
    server = _seeded(tmp_path)
    # As a database from before revision 0006 was: records, and no totals at all.
    command.downgrade(alembic_config(server.db_url), "0005")
    db = sqlite3.connect(server.data_dir / "fieldlog.sqlite3")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    assert "planner_year_totals" not in tables

    out = server.cli("db", "upgrade").stdout
    assert "yearly totals built from the records for Asia/Shanghai" in out
    with server:
        server.start()
        assert _pending_2025_2026(server) == (0, 1)
        with server.login("p1") as client:
            assert _summary(client, 2025)["opinions"] == 1
