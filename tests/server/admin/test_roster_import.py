"""The roster import: the XLSX a bureau keeps becomes users, district links and planners' terms in one go;
every bad row is reported by its row number and column and nothing is imported until the file is clean;
broken, huge and wrong-column files are 4xx naming the problem."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pytest

from server.admin import roster
from tests.server.conftest import Api, World

HEADER = ["用户名", "姓名", "角色", "区县", "专业方向", "聘期开始", "初始密码", "备注"]
XLSX = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def workbook(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    ["zhangsan", "张三", "规划师", "A区", "城市更新", date(2026, 1, 1), "", "新入库"],
    ["lisi", "李四", "区县工作人员", "A区、B区", None, None, "li-si-password", None],
    ["wangwu", "王五", "统筹", None, None, None, None, None],
    [None, None, None, None, None, None, None, None],  # an empty row is skipped
    ["zhaoliu", "赵六", "区县首席规划师", "B区", None, "2026-03-01", None, None],
]


async def _stored(api: Api) -> dict[str, int]:
    return {t: await api.count(t) for t in ("users", "user_districts", "planner_profiles", "audit_log")}


async def test_a_clean_roster_is_imported_with_links_terms_and_first_passwords(
    world: World, api: Api
) -> None:
    w = world
    dry = await w.admin.post(
        "/api/admin/roster", params={"dry_run": "true"}, content=workbook(GOOD), headers=XLSX
    )
    assert dry.status_code == 200 and dry.json() == {"imported": 0, "valid": True, "rows": 4}
    before = await _stored(api)
    assert before["users"] == 6
    resp = await w.admin.post("/api/admin/roster", content=workbook(GOOD), headers=XLSX)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["imported"] == 4
    people = {p["username"]: p for p in body["users"]}
    assert [p["row"] for p in body["users"]] == [2, 3, 4, 6]
    assert (people["zhangsan"]["role"], people["zhangsan"]["districts"]) == ("planner", [w.a])
    assert people["lisi"]["districts"] == [w.a, w.b] and "password" not in people["lisi"]
    assert people["zhaoliu"]["role"] == "planner"  # the profile's own title names the role
    made = people["zhangsan"]["password"]  # made here and shown once
    assert len(made) >= 8
    planners = (await w.coord.get("/api/planners")).json()["planners"]
    by_name = {p["username"]: p for p in planners}
    assert (by_name["zhangsan"]["term_start"], by_name["zhangsan"]["specialty"]) == ("2026-01-01", "城市更新")
    assert by_name["zhaoliu"]["term_start"] == "2026-03-01"
    assert (await (await api.login("zhangsan", made)).get("/api/districts")).status_code == 200
    assert (await (await api.login("lisi", "li-si-password")).get("/api/districts")).status_code == 200
    entries = (await w.admin.get("/api/audit", params={"action": "roster"})).json()["entries"]
    assert entries[0]["after"]["imported"] == 4 and made not in str(entries)
    assert (await _stored(api))["users"] == 10


async def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_imported(
    world: World, api: Api
) -> None:
    rows = [
        ["zhangsan", "张三", "规划师", "A区", None, None, None, None],
        ["p1", "重名", "规划师", "A区", None, None, None, None],  # exists already
        ["bad name", "", "局长", "C区", None, None, "short", None],
        ["zhangsan", "张三二", "规划师", "A区", None, None, None, None],  # repeats row 2
        ["wangwu", "王五", "统筹", "A区", "城市更新", "2026-02-30", None, None],
        ["staff9", "孙九", "区县工作人员", None, None, None, None, None],
        ["chen", "陈", "规划师", "不存在区", None, None, None, None],
    ]
    before = await _stored(api)
    resp = await world.admin.post("/api/admin/roster", content=workbook(rows), headers=XLSX)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["field"] == "rows" and "nothing was imported" in body["detail"]
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {
        (3, "用户名"),
        (4, "用户名"),
        (4, "姓名"),
        (4, "角色"),
        (4, "初始密码"),
        (5, "用户名"),
        (6, "区县"),
        (6, "专业方向"),
        (6, "聘期开始"),
        (7, "区县"),
        (8, "区县"),
    }
    assert [e["message"] for e in body["errors"] if e["row"] == 5] == ["repeats row 2"]
    assert await _stored(api) == before


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        (b"", 400, "file"),
        (b"name,role\nzhangsan,planner\n", 422, "file"),
        (b"PK\x03\x04 not really a zip", 422, "file"),
        (b"x" * (roster.MAX_BYTES + 1), 413, "file"),
    ],
)
async def test_a_file_that_is_not_a_roster_workbook_is_refused_naming_the_file(
    world: World, api: Api, data: bytes, status: int, field: str
) -> None:
    before = await _stored(api)
    resp = await world.admin.post("/api/admin/roster", content=data, headers=XLSX)
    assert resp.status_code == status and resp.json()["field"] == field, resp.text
    assert await _stored(api) == before


def _zip_bomb() -> bytes:
    """A small file that unpacks to more than the roster may (zeros compress a thousandfold)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (roster.MAX_UNPACKED_BYTES + 1))
    return out.getvalue()


async def test_a_workbook_that_unpacks_huge_or_has_too_many_rows_is_refused(world: World, api: Api) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < roster.MAX_BYTES
    resp = await world.admin.post("/api/admin/roster", content=bomb, headers=XLSX)
    assert resp.status_code == 422 and resp.json()["field"] == "file"
    many = [[f"u{i}", f"人{i}", "统筹", None, None, None, None, None] for i in range(roster.MAX_ROWS + 1)]
    resp = await world.admin.post("/api/admin/roster", content=workbook(many), headers=XLSX)
    assert resp.status_code == 422 and resp.json()["field"] == "rows"
    assert str(roster.MAX_ROWS) in resp.json()["detail"]
    assert await api.count("users") == 6


@pytest.mark.parametrize(
    ("header", "named"),
    [
        (["用户名", "姓名", "职务"], "职务"),
        (["用户名", "角色"], "姓名"),
        (["用户名", "姓名", "角色", "角色"], "角色"),
        ([], "姓名"),
    ],
)
async def test_a_roster_with_wrong_columns_is_refused_naming_the_column(
    world: World, api: Api, header: list[str], named: str
) -> None:
    data = workbook([["zhangsan", "张三", "规划师"]], header=header) if header else workbook([], header=[])
    resp = await world.admin.post("/api/admin/roster", content=data, headers=XLSX)
    assert resp.status_code == 422 and resp.json()["field"] == "columns", resp.text
    assert named in resp.json()["detail"] or not header
    assert await api.count("users") == 6


async def test_english_headers_and_the_template_round_trip(world: World, api: Api) -> None:
    template = await world.admin.get("/api/admin/roster/template.xlsx")
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    example = list(wb["示例"].iter_rows(values_only=True))
    assert example[0] == tuple(HEADER) and len(example) == 4
    english = workbook([["u1", "周一", "coordinator"]], header=["username", "Display_Name", "ROLE"])
    resp = await world.admin.post("/api/admin/roster", content=english, headers=XLSX)
    assert resp.status_code == 201 and resp.json()["users"][0]["role"] == "coordinator"
    assert (await world.coord.post("/api/admin/roster", content=english, headers=XLSX)).status_code == 403
