"""A planner answers an activity invitation offline on Home; the answer reaches the staff's activity.

The phone's real LocalStore takes the server's pull and pushes its outbox (the same calls the sync engine
makes), so the whole loop runs: staff invite, phone pulls, planner accepts offline, push, staff see it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.store import LocalStore
from app.ui.state import AppState
from shared import records as rec
from tests.server.conftest import Api, World, pull_all, push_body


async def _invite(world: World) -> int:
    resp = await world.s1.post(
        "/api/activities",
        json={
            "district_id": world.a,
            "topic": "老旧小区改造咨询",
            "place": "区规划局三楼",
            "starts_at": "2025-07-01T14:30:00+08:00",
            "planner_ids": [world.p1_id],
        },
    )
    assert resp.status_code in (200, 201), resp.text
    return int(resp.json()["id"])


def _phone(tmp_path: Path, world: World) -> AppState:
    state = AppState(data_dir=tmp_path)
    state.store = LocalStore(tmp_path / "store.sqlite3", photo_dir=tmp_path / "photos")
    state.user = {"role": "planner", "districts": [{"id": world.a}]}
    state.screen = "home"
    return state


async def _sync(state: AppState, world: World) -> None:
    ops = state.store.take_push_batch(100)
    if ops:
        body = push_body(
            *[
                {
                    "op_id": o.op_id,
                    "kind": o.kind,
                    "id": o.record_id,
                    "base_version": o.base_version,
                    "data": o.data,
                }
                for o in ops
            ]
        )
        resp = await world.p1.post("/api/sync/push", json=body)
        assert resp.status_code == 200, resp.text
        state.store.apply_push_results(ops, resp.json()["results"])
    changes, cursor = await pull_all(world.p1, state.store.pull_cursor() or "")
    state.store.apply_pull(changes, cursor)


async def test_planner_accepts_an_invitation_offline_and_staff_see_the_answer(
    api: Api, world: World, tmp_path: Path
) -> None:
    activity_id = await _invite(world)
    phone = _phone(tmp_path, world)
    await _sync(phone, world)

    [item] = phone.invitation_items()
    assert (item.title, item.place, item.answer) == ("老旧小区改造咨询", "区规划局三楼", None)
    assert item.when == "7月1日 14:30"

    # Offline: saved on the phone, shown as waiting, nothing sent yet.
    assert phone.answer_invitation(item.id, "accepted")
    [item] = phone.invitation_items()
    assert (item.answer, item.waiting) == ("accepted", True)
    assert phone.notice == "已接受（待上传）"
    # The answer is not one of the planner's records in the Records list, and nothing there breaks.
    assert all(i.kind in rec.KINDS for i in phone.record_items())

    await _sync(phone, world)
    [item] = phone.invitation_items()
    assert (item.answer, item.waiting) == ("accepted", False)
    activity: dict[str, Any] = (await world.s1.get(f"/api/activities/{activity_id}")).json()
    [row] = activity["invitations"]
    assert row["response"] == "accepted"


async def test_answering_an_unknown_invitation_names_the_field(
    api: Api, world: World, tmp_path: Path
) -> None:
    phone = _phone(tmp_path, world)
    assert not phone.answer_invitation("00000000-0000-0000-0000-000000000000", "accepted")
    assert phone.field_error is not None and phone.field_error.startswith("活动：")


def _pulled_invitation(n: int, starts_at: str, response: str | None = None) -> dict[str, Any]:
    return {
        "kind": "invitation",
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "version": 1,
        "deleted": False,
        "data": {
            "activity_id": n,
            "topic": f"会{n}",
            "place": "会议室",
            "starts_at": starts_at,
            "response": response,
        },
        "state": {},
    }


def test_invitations_come_soonest_first_by_the_activitys_time_not_its_words(tmp_path: Path) -> None:
    """11月22日 sorts before 2月3日 as words; by time, February's activity is the sooner one."""
    phone = AppState(data_dir=tmp_path, clock=lambda: datetime(2026, 1, 20, 8, 0, tzinfo=UTC))
    phone.store = LocalStore(tmp_path / "store.sqlite3", photo_dir=tmp_path / "photos")
    phone.store.apply_pull(
        [
            _pulled_invitation(1, "2026-11-22T09:30:00+08:00"),
            _pulled_invitation(2, "2026-02-03T14:00:00+08:00"),
            _pulled_invitation(3, "2026-01-05T09:00:00+08:00"),  # already past
            _pulled_invitation(4, "2026-01-25T09:00:00+08:00", response="accepted"),  # answered
            _pulled_invitation(5, "2026-12-01T09:00:00+08:00"),
        ],
        "c1",
    )
    items = phone.invitation_items()
    assert [i.when for i in items] == [
        "2月3日 14:00",
        "11月22日 09:30",
        "12月1日 09:00",
        "1月5日 09:00",
        "1月25日 09:00",
    ]
    assert [i.answer for i in items][-1] == "accepted"
