"""Exported files read back (XLSX through openpyxl, DOCX through python-docx): their numbers equal
GET /api/dashboard for the same year, and they download with the right type and a UTF-8 file name."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import docx
import openpyxl

from tests.server.conftest import feedback, opinion
from tests.server.world import REASON, YEAR, Seeded, make_api, new_record, new_visit


def _v(day: int, minutes: int) -> dict[str, str]:
    start = f"{YEAR}-05-{day:02d}T09:00:00+08:00"
    h, m = divmod(9 * 60 + minutes, 60)
    return {"started_at": start, "ended_at": f"{YEAR}-05-{day:02d}T{h:02d}:{m:02d}:00+08:00"}


async def _year(w: Seeded) -> None:
    """District A: p1 has 3 confirmed visits (70, 95, 125 min), one pending, one rejected;
    3 opinions (one followed up, one with a dissent); 2 feedback; activity attendance."""
    for day, minutes in ((5, 70), (12, 95), (20, 125)):
        rid = await new_visit(w.p1, w.a, **_v(day, minutes))
        assert (await w.s1.post(f"/api/visits/{rid}/confirm", json=REASON)).status_code == 200
    await new_visit(w.p1, w.a, **_v(21, 60))
    rejected = await new_visit(w.p1, w.a, **_v(22, 60))
    assert (await w.s1.post(f"/api/visits/{rejected}/reject", json={"reason": "地点不符"})).status_code == 200
    w.op1 = await new_record(
        w.p1, "opinion", opinion(w.a, subject="老城更新方案", issued_at=f"{YEAR}-05-08T10:00:00+08:00")
    )
    await new_record(
        w.p1, "opinion", opinion(w.a, dissent="保留对容积率的意见", issued_at=f"{YEAR}-06-08T10:00:00+08:00")
    )
    fu = await w.s1.post(
        f"/api/opinions/{w.op1}/follow-up", json={"adoption": "partly", "quality": 4, "note": "部分采纳"}
    )
    assert fu.status_code == 200
    await new_record(w.p1, "feedback", feedback(w.a, collected_at=f"{YEAR}-05-09T10:00:00+08:00"))
    await new_record(
        w.p1, "feedback", feedback(w.a, category="housing", collected_at=f"{YEAR}-05-10T10:00:00+08:00")
    )
    att = await w.s1.post(
        f"/api/activities/{w.activity_a}/attendance", json={"planner_id": w.p1_id, "status": "unexcused"}
    )
    assert att.status_code == 200
    rid = await new_visit(w.p2, w.b, **_v(6, 50))
    assert (await w.s2.post(f"/api/visits/{rid}/confirm", json=REASON)).status_code == 200


async def _download(w: Seeded, report: str, params: dict[str, Any]) -> Any:
    link = await w.coord.post("/api/reports/links", json={"report": report, "params": params})
    resp = await w.api.client().get(link.json()["url"])
    assert resp.status_code == 200, resp.text
    return resp


def _planner_rows(sheet: Any) -> dict[str, tuple[Any, ...]]:
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "区县") + 1
    return {r[1]: r for r in rows[start:] if r[0] not in (None, "合计")}


async def test_quarterly_and_hr_summary_xlsx_match_the_dashboard(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        await _year(w)
        dash = (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()
        by_name = {p["display_name"]: p for p in dash["planners"]}
        p1 = by_name["张规划"]
        assert (p1["visits_confirmed"], p1["hours_confirmed"], p1["opinions"]) == (
            3,
            4.83,
            3,
        )  # 1.17+1.58+2.08

        resp = await _download(w, "quarterly", {"year": YEAR, "quarter": 2, "district_id": w.a})
        assert resp.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        disposition = resp.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"A区咨询服务记录{YEAR}年第2季度.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
        assert book.sheetnames == ["咨询服务记录", "汇总"]
        totals = _planner_rows(book["汇总"])
        assert set(totals) == {"张规划"}
        row = totals["张规划"]
        assert (row[2], row[3], row[4], row[7]) == (
            p1["visits_confirmed"],
            p1["hours_confirmed"],
            p1["opinions"],
            p1["absences_unexcused"],
        )
        services = list(book["咨询服务记录"].iter_rows(min_row=3, values_only=True))
        assert sum(1 for r in services if r[3] == "实地指导") == p1["visits_confirmed"]
        district_a = next(d for d in dash["districts"] if d["district_id"] == w.a)
        assert district_a["visits_confirmed"] == row[2] and district_a["hours_confirmed"] == row[3]

        hr = await _download(w, "hr-summary", {"year": YEAR, "quarter": 2})
        all_rows = _planner_rows(openpyxl.load_workbook(io.BytesIO(hr.content), read_only=True)["季度通报"])
        for name, p in by_name.items():
            assert (all_rows[name][2], all_rows[name][3], all_rows[name][4]) == (
                p["visits_confirmed"],
                p["hours_confirmed"],
                p["opinions"],
            )


async def test_annual_report_and_opinion_docx_read_back(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        await _year(w)
        dash = (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()
        p1 = next(p for p in dash["planners"] if p["planner_id"] == w.p1_id)
        resp = await _download(w, "annual", {"year": YEAR, "planner_id": w.p1_id})
        assert resp.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml"
        )
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs)
        assert (
            f"实地指导共{p1['visits_confirmed']}次，累计{p1['hours_confirmed']}小时；出具书面意见{p1['opinions']}份；"
            f"收集群众意见建议{p1['feedback']}条" in text
        )
        assert f"{YEAR}年度区县首席规划师工作报告（草稿）" in text

        doc = await _download(w, "opinion", {"opinion_id": w.op1})
        name = unquote(doc.headers["content-disposition"].split("filename*=UTF-8''")[1])
        assert name == "书面审查意见-老城更新方案.docx"
        document = docx.Document(io.BytesIO(doc.content))
        body = "\n".join(p.text for p in document.paragraphs)
        assert "同意" in body and "四、保留意见" in body
        cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
        assert "老城更新方案" in cells and "张规划（区县首席规划师）" in cells
