"""The coordinator's view-model against the real server app (in-process over ASGI, real database).

The dashboard in words (pace "behind by N", hours, opinions with mean quality), the CQ-9 refusal of a
fourth excellent among 10 planners said in plain words, the dossier listing the records behind each number,
and a quarterly XLSX fetched through its signed link whose numbers match the dashboard.
"""

from __future__ import annotations

import io
from typing import Any, cast

import httpx
from openpyxl import load_workbook

from app.online import OnlineClient
from app.ui.coordinator.state import CoordinatorState
from shared import records as rec
from shared.rules import max_excellent
from tests.server.conftest import Api, World, op, opinion, push, visit

YEAR = 2025  # the server tests' records are dated June 2025 (second quarter)


def online(api: Api, client: httpx.AsyncClient) -> OnlineClient:
    token = client.headers["authorization"].split()[1]
    return OnlineClient("http://fieldlog", token, transport=httpx.ASGITransport(app=cast(Any, api.app)))


async def _confirmed_visits(api: Api, world: World, planner: httpx.AsyncClient, count: int) -> list[str]:
    ops = [
        op(
            rec.VISIT,
            visit(
                world.a,
                site=f"社区{i}",
                started_at=f"2025-06-{i + 1:02d}T09:00:00+08:00",
                ended_at=f"2025-06-{i + 1:02d}T11:00:00+08:00",
                lat=29.5630 + i / 1000,
                lon=106.5516,
                accuracy_m=12.0,
            ),
        )
        for i in range(count)
    ]
    await push(planner, *ops)
    for o in ops:
        resp = await world.s1.post(
            f"/api/visits/{o['id']}/confirm", json={"reason_code": "verified_by_phone"}
        )
        assert resp.status_code == 200, resp.text
    return [o["id"] for o in ops]


async def _ten_planners(api: Api, world: World) -> list[httpx.AsyncClient]:
    """p1 (district A) and p2 (B) from the world, and eight more in A: ten planners to appraise."""
    planners = [world.p1, world.p2]
    for i in range(3, 11):
        await api.add_user(f"p{i}", "planner", (world.a,), display_name=f"规划师{i}")
        planners.append(await api.login(f"p{i}"))
    return planners


async def test_dashboard_shows_pace_hours_and_opinion_quality_in_words(api: Api, world: World) -> None:
    await _confirmed_visits(api, world, world.p1, 2)
    o = op(rec.OPINION, opinion(world.a, subject="滨江步道设计"))
    await push(world.p1, o)
    resp = await world.s1.post(
        f"/api/opinions/{o['id']}/follow-up", json={"adoption": "adopted", "quality": 4}
    )
    assert resp.status_code == 200, resp.text

    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    assert await coord.load()
    [row] = [r for r in coord.planner_rows() if r.name == "张规划"]
    target = api.settings.profile.visit_target
    assert target is not None
    # The whole of 2025 has passed: the full target was due.
    assert row.pace == f"落后 {target - 2} 次" and row.behind
    assert row.visits == f"实地指导 2 / {target} 次已确认"
    assert row.hours == "工作时长 4.00 小时"
    assert row.opinions == "书面意见 1 份，平均质量 4.0 分"
    assert any("进度落后" in a and "CQ-5" in a for a in row.alerts)
    assert coord.totals()["visits_confirmed"] == 2
    assert {d["name"] for d in coord.district_rows()} >= {"A区"}

    coord.lang = "en"
    [row] = [r for r in coord.planner_rows() if r.name == "张规划"]
    assert row.pace == f"Behind by {target - 2}"


async def test_a_fourth_excellent_among_ten_planners_is_refused_in_plain_words_cq9(
    api: Api, world: World
) -> None:
    await _ten_planners(api, world)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load()
    await coord.load_appraisal()
    appraised = coord.appraisal["planners"]
    assert len(appraised) == 10
    cap = max_excellent(10, api.settings.profile.excellent_cap)
    assert coord.appraisal["max_excellent"] == cap == 3
    excellent, middle = coord.grades()[0], coord.grades()[1]
    for i, p in enumerate(appraised):
        coord.choose(int(p["planner_id"]), excellent if i < cap + 1 else middle)
    assert coord.excellent_count() == 4
    assert coord.cap_text() == "已选优秀 4 人，最多 3 人（共 10 人）"

    assert not await coord.save_grades()
    assert coord.error is not None
    assert coord.error.startswith("不能保存：10 人中最多 3 人可评为“优秀”（不超过 30%）")
    after = await coord.client.appraisal(YEAR)
    assert all(p["final_grade"] is None for p in after["planners"])  # nothing stored

    coord.choose(int(appraised[cap]["planner_id"]), middle)
    assert await coord.save_grades()
    assert coord.notice == "考核等次已保存。"
    finals = [p["final_grade"] for p in coord.appraisal["planners"]]
    assert finals.count(excellent) == 3 and finals.count(middle) == 7


async def test_dossier_lists_the_records_behind_each_number(api: Api, world: World) -> None:
    ids = await _confirmed_visits(api, world, world.p1, 3)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load()
    await coord.open_dossier(world.p1_id)
    assert coord.screen == "dossier"
    items = {label: (value, records) for label, value, records in coord.dossier_items()}
    value, records = items["已确认实地指导"]
    assert value == "3" and len(records) == len(ids)
    assert all("已确认" in line for line in records)
    assert any(line.startswith("2025-06-01 · 社区0") for line in records)
    assert items["工作时长（小时）"][0] == "6.00"


async def test_quarterly_xlsx_from_the_signed_link_matches_the_dashboard(api: Api, world: World) -> None:
    await _confirmed_visits(api, world, world.p1, 2)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load()
    coord.quarter = 2
    coord.district_id = world.a
    url = await coord.download_link("quarterly")
    assert url is not None and "token=" in url
    assert coord.notice == "已开始下载：quarterly.xlsx"
    # The link alone opens the file: no bearer header.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cast(Any, api.app))) as browser:
        resp = await browser.get(url)
    assert resp.status_code == 200, resp.text
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    rows = [list(r) for r in wb["汇总"].iter_rows(values_only=True)]
    [mine] = [r for r in rows if len(r) > 1 and r[1] == "张规划"]
    [dash] = [p for p in coord.dashboard["planners"] if p["display_name"] == "张规划"]
    assert mine[2] == dash["visits_confirmed"] == 2
    assert mine[3] == dash["hours_confirmed"] == 4.0


async def test_map_points_carry_their_review_and_the_basemap_is_the_servers_own_when_none_is_set(
    api: Api, world: World
) -> None:
    await _confirmed_visits(api, world, world.p1, 1)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load()
    await coord.load_map()
    assert coord.screen == "map"
    # No tile service configured here: the server's own plain tiles, at the server's address.
    assert coord.config["tile_builtin"]
    assert coord.tile_url() == f"{coord.client.base_url}/map/tiles/{{z}}/{{x}}/{{y}}.png"
    assert [p["review"] for p in coord.points] == ["confirmed"]


def test_the_chart_shows_the_planners_furthest_behind_when_they_do_not_all_fit() -> None:
    coord = CoordinatorState(client=None, year=YEAR)
    coord.dashboard = {
        "planners": [
            {
                "planner_id": i,
                "display_name": f"规划师{i}",
                "visits_confirmed": i % 10,
                "visit_target": 10,
                "pace": {"status": "behind" if i % 10 < 8 else "on_track", "behind_by": max(0, 8 - i % 10)},
            }
            for i in range(1, 2001)
        ]
    }
    bars = coord.chart_data()
    assert len(bars) == 12
    assert all(behind and visits == 0 for _, visits, _, behind in bars)


async def test_annual_report_and_opinion_docx_and_hr_summary_open_from_their_signed_links(
    api: Api, world: World
) -> None:
    from docx import Document

    await _confirmed_visits(api, world, world.p1, 2)
    o = op(rec.OPINION, opinion(world.a, subject="滨江步道设计", body="建议保留现有大树。"))
    await push(world.p1, o)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load()
    coord.quarter = 2
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cast(Any, api.app))) as browser:
        annual = await browser.get(str(await coord.download_link("annual", planner_id=world.p1_id)))
        opinion_doc = await browser.get(str(await coord.download_link("opinion", opinion_id=o["id"])))
        hr = await browser.get(str(await coord.download_link("hr_summary")))
    assert (annual.status_code, opinion_doc.status_code, hr.status_code) == (200, 200, 200)
    annual_text = "\n".join(p.text for p in Document(io.BytesIO(annual.content)).paragraphs)
    assert "张规划" in annual_text
    opinion_text = "\n".join(p.text for p in Document(io.BytesIO(opinion_doc.content)).paragraphs)
    assert "建议保留现有大树。" in opinion_text and "张规划" in opinion_text
    wb = load_workbook(io.BytesIO(hr.content), read_only=True)
    cells = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "张规划" in cells
    assert coord.downloads[-1] == "hr-summary.xlsx"


async def test_the_audit_log_says_who_confirmed_which_planners_visit_where(api: Api, world: World) -> None:
    await _confirmed_visits(api, world, world.p1, 1)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    await coord.load_audit()
    assert coord.screen == "audit"
    lines = coord.audit_lines()
    assert any(what == "确认实地指导 · 张规划 · 社区0" for _, what in lines)
    staff = await api.login("s1")
    not_bureau = CoordinatorState(client=online(api, staff), year=YEAR)
    await not_bureau.load_audit()
    assert not_bureau.error == "没有权限查看或处理这项内容。"


async def test_going_back_to_a_dossiers_address_opens_it_and_an_unknown_one_shows_the_dashboard(
    api: Api, world: World
) -> None:
    await _confirmed_visits(api, world, world.p1, 2)
    coord = CoordinatorState(client=online(api, world.coord), year=YEAR)
    assert await coord.load()
    await coord.follow(f"/appraisal/{world.p1_id}")
    assert (coord.screen, coord.route()) == ("dossier", f"/appraisal/{world.p1_id}")
    assert coord.dossier_items()
    await coord.follow("/map")
    assert (coord.screen, coord.route()) == ("map", "/map")
    await coord.follow("/activities")
    assert (coord.screen, coord.route()) == ("dashboard", "/")
