"""District staff's view-model against the real server app (in-process over ASGI, real database).

What a staff member sees and what each tap does: the queue with flag labels, a flagged visit confirmed only
with a reason code, the next visit opening by itself, rejection with a reason, activities with attendance
(CQ-11 counts the unexcused ones) and the opinion follow-up. No page is needed.
"""

from __future__ import annotations

from typing import Any, cast

import httpx

from app.online import OnlineClient
from app.ui.staff.state import StaffState
from shared import records as rec
from tests.server.conftest import Api, World, op, opinion, pull_all, push, visit


def online(api: Api, client: httpx.AsyncClient) -> OnlineClient:
    token = client.headers["authorization"].split()[1]
    return OnlineClient("http://fieldlog", token, transport=httpx.ASGITransport(app=cast(Any, api.app)))


async def _two_visits(world: World) -> tuple[str, str]:
    first = op(rec.VISIT, visit(world.a, site="解放碑社区"))
    second = op(
        rec.VISIT,
        visit(
            world.a,
            site="朝天门广场",
            started_at="2025-06-02T09:00:00+08:00",
            ended_at="2025-06-02T09:05:00+08:00",
        ),
    )
    await push(world.p1, first, second)
    return first["id"], second["id"]


async def _review_of(world: World, visit_id: str) -> Any:
    changes, _ = await pull_all(world.p1)
    [mine] = [c for c in changes if c["id"] == visit_id]
    return mine["state"].get("review")


async def test_staff_sees_the_queue_of_their_district_with_flag_labels_in_chinese(
    api: Api, world: World
) -> None:
    await _two_visits(world)
    await push(world.p2, op(rec.VISIT, visit(world.b, site="别的片区")))
    staff = StaffState(client=online(api, world.s1))
    assert await staff.load()
    views = staff.queue_views()
    assert sorted(v.site for v in views) == ["朝天门广场", "解放碑社区"]
    short = next(v for v in views if v.site == "朝天门广场")
    assert "too_short" in short.flags
    assert "时长过短" in short.flag_labels
    assert short.duration.startswith("时长 0.08 小时")
    staff.lang = "en"
    raw = next(v for v in staff.queue if v["site"] == "朝天门广场")
    assert "Too short" in staff.view(raw).flag_labels
    assert staff.reason_choices()[0] == ("verified_by_phone", "Verified by phone")


async def test_a_flagged_visit_is_confirmed_only_with_a_reason_code_and_the_decision_stays_in_sight(
    api: Api, world: World
) -> None:
    first_id, second_id = await _two_visits(world)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    current = staff.current()
    assert current is not None and current.flagged

    assert not await staff.confirm()
    assert staff.error == "这条记录有异常，请先选择确认理由。"
    assert len(staff.queue) == 2

    staff.reason_code = "verified_by_phone"
    assert await staff.confirm()
    assert staff.error is None
    # The visit stays on screen with its decision; it has left the list of what waits.
    assert staff.current_id == current.id and staff.current().decision == "confirmed"
    assert staff.notice == f"已确认：{current.site}。"
    assert [v.id for v in staff.queue_views()] == [second_id if current.id == first_id else first_id]
    assert not await staff.confirm()  # decided: the buttons are undo and next now
    staff.next_visit()
    assert staff.current_id != current.id and staff.reason_code is None and staff.notice is None
    assert await _review_of(world, current.id) == "confirmed"


async def test_other_as_reason_needs_a_note_and_the_refusal_names_it(api: Api, world: World) -> None:
    await _two_visits(world)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    staff.reason_code = "other"
    assert not await staff.confirm()
    assert staff.error is not None and staff.error.startswith("说明：")
    assert len(staff.queue_views()) == 2
    assert await staff.confirm("规划师电话说明了情况")
    assert len(staff.queue_views()) == 1


async def test_reject_needs_a_reason_and_clearing_the_queue_returns_to_the_list(
    api: Api, world: World
) -> None:
    first_id, second_id = await _two_visits(world)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    staff.open_visit(first_id)
    assert not await staff.reject("  ")
    assert staff.error == "退回原因：必填"
    assert await staff.reject("照片看不清，请补拍")
    assert staff.notice == "已退回：解放碑社区。"
    staff.next_visit()
    assert staff.current_id == second_id
    staff.reason_code = "gps_unavailable"
    assert await staff.confirm()
    assert staff.notice == "已确认：朝天门广场。"
    staff.next_visit()
    assert staff.queue == [] and staff.screen == "queue" and staff.decided == 2
    assert staff.notice == "全部处理完了。"
    assert await _review_of(world, first_id) == "rejected"


async def test_a_decision_undone_puts_the_visit_back_pending_here_and_on_the_phone(
    api: Api, world: World
) -> None:
    first_id, _ = await _two_visits(world)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    staff.open_visit(first_id)
    assert await staff.reject("照片看不清，请补拍")
    assert await _review_of(world, first_id) == "rejected"
    assert await staff.undo()
    assert staff.notice == "已撤销，解放碑社区 重新待确认。" and staff.decided == 0
    assert staff.current_id == first_id and staff.current().decision is None
    assert len(staff.queue_views()) == 2
    assert await _review_of(world, first_id) == "pending"
    # Decided again; once the planner has changed the visit, it can no longer be undone.
    assert await staff.reject("照片看不清，请补拍")
    changes, _ = await pull_all(world.p1)
    [mine] = [c for c in changes if c["id"] == first_id]
    await push(
        world.p1,
        op(
            rec.VISIT,
            visit(world.a, site="解放碑社区", notes="补拍了"),
            first_id,
            base_version=mine["version"],
        ),
    )
    assert not await staff.undo()
    assert staff.error == "规划师已修改这条记录，不能撤销；请按新的内容重新审核。"


async def test_the_queue_is_newest_first_and_narrows_to_a_planner_days_and_a_flag(
    api: Api, world: World
) -> None:
    first_id, second_id = await _two_visits(world)  # 1 June (90 min), 2 June (5 min, too short)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    assert [v.id for v in staff.queue_views()] == [second_id, first_id]
    assert staff.planner_choices() == [(world.p1_id, "张规划")]
    await staff.filter_flag("too_short")
    assert [v.id for v in staff.queue_views()] == [second_id]
    await staff.filter_flag(None)
    await staff.filter_days("week")  # these visits are from 2025: none in the last 7 days
    assert staff.queue_views() == [] and staff.current_id is None
    await staff.filter_days("all")
    await staff.filter_planner(world.p1_id)
    assert len(staff.queue_views()) == 2
    assert ("any", "有异常") in staff.flag_choices() and ("too_short", "时长过短") in staff.flag_choices()


async def test_activity_invites_planners_and_records_attendance_excused_needs_a_reason(
    api: Api, world: World
) -> None:
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    await staff.load_activities()
    assert [p["display_name"] for p in staff.planners] == ["张规划"]
    staff.new_activity()
    form = staff.activity_form
    form.topic, form.place, form.date, form.time = "老旧小区改造咨询", "区规划局三楼", "2025-07-01", "14:30"
    assert not await staff.create_activity()
    assert staff.error == "请至少邀请一位规划师。"
    staff.toggle_invite(world.p1_id)
    assert await staff.create_activity()
    assert staff.screen == "activity"
    assert staff.activity is not None and staff.activity["starts_at"].startswith("2025-07-01T06:30")
    [row] = staff.activity_rows()
    assert row["name"] == "张规划" and row["status"] is None

    assert not await staff.record_attendance(world.p1_id, "excused", "")
    assert staff.error == "请假原因：必填"
    assert await staff.record_attendance(world.p1_id, "excused", "出差")
    [row] = staff.activity_rows()
    assert (row["status"], row["reason"]) == ("excused", "出差")

    # The planner sees the invitation through sync.
    changes, _ = await pull_all(world.p1)
    [inv] = [c for c in changes if c["kind"] == "invitation"]
    assert inv["data"]["topic"] == "老旧小区改造咨询"


async def test_opinion_follow_up_records_adoption_and_quality(api: Api, world: World) -> None:
    o = op(rec.OPINION, opinion(world.a, subject="滨江步道设计"))
    await push(world.p1, o)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    await staff.load_opinions()
    assert [x["subject"] for x in staff.opinions] == ["滨江步道设计"]
    assert staff.planner_name(staff.opinions[0]["planner_id"]) == "张规划"
    staff.open_follow_up(o["id"])
    assert not await staff.follow_up("adopted", None)
    assert staff.error == "意见质量（1–5 分）：必填"
    assert await staff.follow_up("partly", 4, "设计单位采纳了步道宽度建议")
    assert staff.screen == "opinions" and staff.notice == "回访已保存。"


async def test_staff_of_another_district_cannot_confirm_and_is_told_plainly(api: Api, world: World) -> None:
    first_id, _ = await _two_visits(world)
    other = StaffState(client=online(api, world.s2))
    await other.load()
    assert other.queue == []
    other.queue = [{"id": first_id, "site": "x"}]
    other.current_id = first_id
    other.reason_code = "verified_by_phone"
    assert not await other.confirm()
    assert other.error == "没有权限查看或处理这项内容。"
    assert await _review_of(world, first_id) == "pending"


async def test_going_back_to_a_screens_address_loads_it_and_an_unknown_one_shows_the_queue(
    api: Api, world: World
) -> None:
    o = op(rec.OPINION, opinion(world.a, subject="滨江步道设计"))
    await push(world.p1, o)
    staff = StaffState(client=online(api, world.s1))
    await staff.load()
    assert staff.route() == "/"
    await staff.follow(f"/opinions/{o['id']}")
    assert (staff.screen, staff.route()) == ("follow_up", f"/opinions/{o['id']}")
    assert [x["subject"] for x in staff.opinions] == ["滨江步道设计"]
    await staff.follow("/activities")
    assert (staff.screen, staff.route()) == ("activities", "/activities")
    await staff.follow("/activities/new")
    assert staff.route() == "/activities/new"
    await staff.follow("/review")  # the queue is empty: nothing to review
    assert staff.screen == "queue"
    await staff.follow("/map")
    assert staff.screen == "queue" and staff.route() == "/"
