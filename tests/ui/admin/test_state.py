"""The administrator's screens, without a page, against the real server app: users (add, disable and enable,
reset a password, link districts), districts, and the roster import, whose dry run lists every bad row by
row number and column and imports nobody until the file is clean.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import httpx
from openpyxl import Workbook

from app.online import OnlineClient
from app.ui.admin.state import AdminState
from tests.server.conftest import Api, World
from tests.server.world import make_api

HEADERS = ("用户名", "姓名", "角色", "区县", "专业方向", "聘期开始", "初始密码", "备注")


def online(api: Api, client: httpx.AsyncClient) -> OnlineClient:
    token = client.headers["authorization"].split()[1]
    return OnlineClient("http://fieldlog", token, transport=httpx.ASGITransport(app=cast(Any, api.app)))


def roster(*rows: tuple[str, ...]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _login_status(api: Api, username: str, password: str) -> int:
    resp = await api.client().post("/api/auth/login", json={"username": username, "password": password})
    return resp.status_code


async def test_an_admin_adds_a_user_links_districts_disables_enables_and_resets_the_password(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        admin = AdminState(client=online(api, w.admin))
        assert await admin.load_users()
        assert admin.user_line(next(u for u in admin.users if u["username"] == "p1")) == "p1 · 规划师 · A区"
        admin.new_user()
        values = {
            "username": "zhao",
            "display_name": "赵规划",
            "role": "planner",
            "password": "",
            "district_ids": [],
        }
        assert not await admin.add_user(values)
        assert admin.error == "初始密码（至少 8 位）：必填"
        values.update(password="short")
        assert not await admin.add_user(values)
        assert admin.error is not None and admin.error.startswith("初始密码（至少 8 位）：")
        values.update(password="first-password", district_ids=[w.a])
        assert await admin.add_user(values)
        assert admin.screen == "user" and admin.notice == "已创建：赵规划"
        assert admin.route() == f"/users/{admin.user_id}"
        assert admin.the_user()["districts"] == [w.a]
        assert await _login_status(api, "zhao", "first-password") == 200

        assert await admin.set_districts([w.a, w.b])
        assert admin.the_user()["districts"] == [w.a, w.b]
        assert await admin.set_active(False)
        assert admin.notice == "已停用：zhao" and not admin.the_user()["active"]
        assert await _login_status(api, "zhao", "first-password") == 401
        assert await admin.set_active(True)
        assert not await admin.reset_password("")
        assert admin.error == "初始密码（至少 8 位）：必填"
        assert await admin.reset_password("second-password")
        assert await _login_status(api, "zhao", "first-password") == 401
        assert await _login_status(api, "zhao", "second-password") == 200


async def test_an_admin_adds_a_district_and_a_name_taken_is_said_by_its_field(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        admin = AdminState(client=online(api, w.admin))
        assert await admin.load_districts()
        assert not await admin.add_district(" ")
        assert admin.error == "区县名称：必填"
        assert await admin.add_district("C区")
        assert admin.notice == "已新增区县：C区" and "C区" in [d["name"] for d in admin.districts]
        assert not await admin.add_district("C区")
        assert admin.error is not None and admin.error.startswith("区县名称：")


async def test_the_roster_dry_run_names_each_bad_row_and_column_and_imports_nobody_until_the_file_is_clean(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        admin = AdminState(client=online(api, w.admin))
        admin.open_roster()
        assert admin.route() == "/roster"
        users_before = await api.count("users")
        assert not await admin.import_roster()
        assert admin.error == "请先检查文件，全部通过后再导入。"
        bad = roster(
            ("zhangsan", "张三", "规划师", "A区", "城市更新", "2026-01-01", "", ""),
            ("lisi", "李四", "厨师", "A区", "", "", "", ""),
            ("wangwu", "王五", "规划师", "火星区", "", "", "", ""),
            ("zhaoliu", "赵六", "规划师", "A区", "", "2026-13-01", "", ""),
        )
        await admin.roster_picked("花名册.xlsx", bad)
        assert not admin.roster_clean
        assert [e.split("：", 1)[0] for e in admin.row_errors()] == [
            "第 3 行 · 角色",
            "第 4 行 · 区县",
            "第 5 行 · 聘期开始",
        ]
        assert admin.row_errors()[2] == "第 5 行 · 聘期开始：'2026-13-01' is not a date (YYYY-MM-DD)"
        assert not await admin.import_roster()
        assert await api.count("users") == users_before

        await admin.roster_picked(
            "花名册.xlsx", roster(("zhangsan", "张三", "规划师", "A区", "城市更新", "2026-01-01", "", ""))
        )
        assert admin.roster_clean and admin.notice == "检查通过：1 行，可以导入。"
        assert await api.count("users") == users_before
        assert await admin.import_roster()
        assert admin.notice == "已导入 1 人。" and await api.count("users") == users_before + 1
        [line] = admin.imported_lines()
        assert line.startswith("zhangsan · 张三 · 规划师 · 初始密码 ")
        password = line.split("初始密码 ", 1)[1].split("（", 1)[0]
        assert await _login_status(api, "zhangsan", password) == 200

        # A file that is not a roster at all is said in one sentence, naming what is wrong.
        await admin.roster_picked("notes.xlsx", b"not a spreadsheet")
        assert not admin.roster_clean and admin.error is not None and admin.error.startswith("文件：")
