"""PDS-2c: a planner's year of residents' feedback analysed by category, place and district; each time it is
forwarded to the bureau or the district is recorded with its date and recipient, and the annual report
says the feedback was fed back only as far as those records show. Both profiles."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest

from tests.server.conftest import World, feedback
from tests.server.world import YEAR, make_api, new_record


async def _feedback(w: World) -> None:
    for place, category in (("菜市场", "traffic"), ("菜市场", "traffic"), ("老街", "housing")):
        await new_record(w.p1, "feedback", feedback(w.a, place=place, category=category))
    await new_record(w.p1, "feedback", feedback(w.a, collected_at=f"{YEAR + 1}-01-03T10:00:00+08:00"))
    await new_record(w.p2, "feedback", feedback(w.b, place="机密乙地"))


async def _annual_text(w: World) -> str:
    link = await w.coord.post(
        "/api/reports/links", json={"report": "annual", "params": {"year": YEAR, "planner_id": w.p1_id}}
    )
    resp = await w.api.client().get(link.json()["url"])
    assert resp.status_code == 200, resp.text
    return "\n".join(p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs)


@pytest.mark.parametrize("profile", ["pingdingshan", "chongqing"])
async def test_pds2c_the_years_feedback_is_analysed_and_each_forwarding_is_recorded(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        await _feedback(w)
        path = f"/api/feedback-analysis/{YEAR}/planners/{w.p1_id}"
        analysis = (await w.p1.get(path)).json()
        assert analysis["total"] == 3
        assert analysis["by_category"] == [
            {"category": "traffic", "count": 2},
            {"category": "housing", "count": 1},
        ]
        assert analysis["by_place"] == [{"place": "菜市场", "count": 2}, {"place": "老街", "count": 1}]
        assert analysis["by_district"] == [{"district_id": w.a, "district_name": "A区", "count": 3}]
        assert analysis["forwarded_to"] == {"bureau": False, "district": False}
        assert "尚未记录反馈市局及属地。" in await _annual_text(w)

        sent = await w.p1.post(
            f"{path}/forwards", json={"recipient": "bureau", "forwarded_on": f"{YEAR + 1}-01-10"}
        )
        assert sent.status_code == 201, sent.text
        bureau = sent.json()
        assert (bureau["recipient_name"], bureau["total"], bureau["recorded_by"]) == (
            api.settings.profile.bureau_name,
            3,
            w.p1_id,
        )
        assert "尚未记录反馈属地" in await _annual_text(w)
        staff = await w.s1.post(
            f"{path}/forwards",
            json={"recipient": "district", "forwarded_on": f"{YEAR + 1}-01-12", "note": "区政府办"},
        )
        assert staff.status_code == 201 and staff.json()["recipient_name"] == "A区"
        text = await _annual_text(w)
        assert (
            f"已梳理形成分析意见，于{YEAR + 1}年1月10日反馈{api.settings.profile.bureau_name}，"
            f"于{YEAR + 1}年1月12日反馈A区。" in text
        )
        after = (await w.coord.get(path)).json()
        assert after["forwarded_to"] == {"bureau": True, "district": True}
        assert [f["recipient"] for f in after["forwards"]] == ["bureau", "district"]
        audit = (await w.coord.get("/api/audit", params={"action": "feedback.forward"})).json()["entries"]
        assert [e["user_id"] for e in audit] == [w.s1_id, w.p1_id]


async def test_pds2c_a_bad_forwarding_record_is_a_400_naming_the_field_and_nothing_is_stored(
    world: World,
) -> None:
    w = world
    path = f"/api/feedback-analysis/{YEAR}/planners/{w.p1_id}/forwards"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for body, field in (
        ({"recipient": "mayor", "forwarded_on": f"{YEAR}-12-01"}, "recipient"),
        ({"recipient": "bureau"}, "forwarded_on"),
        ({"recipient": "bureau", "forwarded_on": "2025/12/01"}, "forwarded_on"),
        ({"recipient": "bureau", "forwarded_on": f"{YEAR - 1}-12-31"}, "forwarded_on"),
        ({"recipient": "bureau", "forwarded_on": tomorrow}, "forwarded_on"),
        ({"recipient": "bureau", "forwarded_on": f"{YEAR}-12-01", "cc": "x"}, "cc"),
    ):
        resp = await w.p1.post(path, json=body)
        assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
    assert await w.api.count("feedback_forwards") == 0


async def test_pds2c_staff_count_only_their_districts_and_others_see_nothing(world: World) -> None:
    w = world
    await _feedback(w)
    path = f"/api/feedback-analysis/{YEAR}/planners/{w.p2_id}"
    assert (await w.s1.get(path)).status_code == 404
    assert (await w.p1.get(path)).status_code == 404
    assert (await w.s2.get(path)).json()["total"] == 1
    assert (await w.coord.get(path)).json()["by_place"] == [{"place": "机密乙地", "count": 1}]
