"""The same administration from a shell: ``fieldlog roster import`` (each bad row one line, exit 1, nothing
imported) and ``fieldlog user disable``/``enable``."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import DEFAULT_PASSWORD, LiveServer
from tests.server.admin.test_roster_import import workbook


def test_roster_import_and_disabling_from_the_command_line(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    server.add_district("示范区")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([["zhang san", "张三", "局长", "示范区"], ["lisi", "李四", "规划师", "无此区"]]))
    result = server.cli("roster", "import", str(bad), check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[:3] == [
        "fieldlog: row 2, 用户名: may not contain spaces",
        "fieldlog: row 2, 角色: '局长' is not a role; use 规划师, 区县工作人员, 统筹 or 管理员",
        "fieldlog: row 3, 区县: no district called '无此区'; add it first",
    ]
    assert "Traceback" not in result.stderr
    missing = server.cli("roster", "import", str(tmp_path / "none.xlsx"), check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("fieldlog: file: no such file")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert server.cli("roster", "import", str(broken), check=False).stderr.startswith(
        "fieldlog: file: is not"
    )

    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook([["wang", "王五", "规划师", "示范区", None, None, DEFAULT_PASSWORD]]))
    assert "1 people, every row clean" in server.cli("roster", "import", str(good), "--dry-run").stdout
    assert server.cli("roster", "import", str(good)).stdout.strip().endswith("1 people imported")
    assert server.cli("user", "disable", "wang").stdout.strip() == "wang disabled"
    assert (
        server.cli("user", "disable", "nobody", check=False).stderr.strip()
        == "fieldlog: username: no user 'nobody'"
    )
    server.start()
    try:
        refused = httpx.post(
            f"{server.url}/api/auth/login", json={"username": "wang", "password": DEFAULT_PASSWORD}
        )
        assert refused.status_code == 401
        server.cli("user", "enable", "wang")
        with server.login("wang") as client:
            assert [d["name"] for d in client.get("/api/districts").json()] == ["示范区"]
    finally:
        server.stop()
