"""An operator's mistakes in configuration or environment: every CLI command, and ``serve``, prints one line
naming the setting and what to do, and exits non-zero, with no traceback. The real CLI, as a subprocess.

Also: the plain database URLs a host hands out (``postgresql://user@host/db``, ``sqlite:///path``) work.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import DEFAULT_PASSWORD, REPO, LiveServer, free_port

#: Every command of the CLI, with arguments it would accept on a working deployment.
COMMANDS: dict[str, list[str]] = {
    "serve": ["serve", "--port", "0"],
    "db upgrade": ["db", "upgrade"],
    "db totals": ["db", "totals"],
    "district add": ["district", "add", "甲区"],
    "user add": ["user", "add", "planner1", "--role", "planner"],
    "user password": ["user", "password", "planner1"],
    "user disable": ["user", "disable", "planner1"],
    "user enable": ["user", "enable", "planner1"],
    "roster import": ["roster", "import", "roster.xlsx", "--dry-run"],
    "demo": ["demo", "--no-app", "--port", "0"],
}
#: The commands that make a missing database (``db upgrade``, and ``demo``, which runs it first).
MAKE_THE_DATABASE = {"db upgrade", "demo"}


def run(env: Mapping[str, str], args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FIELDLOG_")}
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        input=DEFAULT_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=REPO,
        timeout=120,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Non-zero exit, nothing on stdout, one line on stderr naming ``words``, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def every_command(
    env: Mapping[str, str],
    words: Sequence[str],
    skip: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, str]:
    """Run each command (two at a time) and check each answers with one line naming ``words``."""
    names = [n for n in COMMANDS if n not in skip]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(names, pool.map(lambda n: run(env, COMMANDS[n]), names), strict=True))
    return {name: assert_one_line(result, *words) for name, result in results.items()}


def missing_database_url(db_url: str) -> str:
    """A URL on the same engine naming a database that does not exist."""
    u = make_url(db_url)
    if u.get_backend_name() == "sqlite":
        return db_url  # the fixture's file is not made until someone connects
    return u.set(database="fieldlog_no_such_database").render_as_string(hide_password=False)


def test_with_no_database_every_command_but_the_upgrade_says_to_run_the_upgrade(
    db_url: str, tmp_path: Path
) -> None:
    url = missing_database_url(db_url)
    env = {"FIELDLOG_DATA_DIR": str(tmp_path / "data"), "FIELDLOG_DATABASE_URL": url}
    sqlite = url.startswith("sqlite")
    lines = every_command(env, ["FIELDLOG_DATABASE_URL"], skip=MAKE_THE_DATABASE if sqlite else set())
    if sqlite:
        assert all("fieldlog db upgrade" in line for line in lines.values())
        assert not Path(make_url(url).database or "").exists(), "a command made an empty database"
    else:
        assert all("has no database 'fieldlog_no_such_database'" in line for line in lines.values())


def test_a_data_directory_that_does_not_exist_is_named_not_a_sqlite_error(tmp_path: Path) -> None:
    env = {"FIELDLOG_DATA_DIR": str(tmp_path / "no-such-dir")}
    lines = every_command(env, ["FIELDLOG_DATA_DIR", "fieldlog db upgrade"], skip=MAKE_THE_DATABASE)
    assert not any("unable to open database file" in line for line in lines.values())


def test_an_unreachable_database_is_named_with_its_host_and_port(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {
        "FIELDLOG_DATA_DIR": str(tmp_path / "data"),
        "FIELDLOG_DATABASE_URL": f"postgresql://fieldlog@127.0.0.1:{port}/fieldlog",
    }
    every_command(env, ["FIELDLOG_DATABASE_URL", f"cannot reach PostgreSQL at 127.0.0.1:{port}"])


def test_an_unknown_database_host_is_named(tmp_path: Path) -> None:
    env = {
        "FIELDLOG_DATA_DIR": str(tmp_path / "data"),
        "FIELDLOG_DATABASE_URL": "postgresql://fieldlog@db.invalid/fieldlog",
    }
    assert_one_line(run(env, COMMANDS["district add"]), "FIELDLOG_DATABASE_URL", "'db.invalid'")


def test_a_database_the_server_cannot_use_is_named(db_url: str, tmp_path: Path) -> None:
    """On PostgreSQL a user the server refuses; on SQLite a file that is no database at all."""
    if db_url.startswith("sqlite"):
        bogus = tmp_path / "not-a-database.sqlite3"
        bogus.write_bytes(b"this is a photo, not a database" * 100)
        env = {"FIELDLOG_DATA_DIR": str(tmp_path), "FIELDLOG_DATABASE_URL": f"sqlite:///{bogus}"}
        assert_one_line(run(env, COMMANDS["district add"]), "FIELDLOG_DATABASE_URL", "not a SQLite database")
        return
    url = make_url(db_url).set(username="fieldlog_no_such_role", drivername="postgresql")
    env = {"FIELDLOG_DATA_DIR": str(tmp_path), "FIELDLOG_DATABASE_URL": url.render_as_string(False)}
    assert_one_line(run(env, COMMANDS["district add"]), "FIELDLOG_DATABASE_URL", "refused the sign-in")


def test_an_unmigrated_database_makes_every_command_but_the_upgrade_say_to_run_it(
    db_url: str, tmp_path: Path
) -> None:
    if db_url.startswith("sqlite"):
        path = make_url(db_url).database or ""
        sqlite3.connect(path).close()  # an empty SQLite file: a database without fieldlog's tables
    env = {"FIELDLOG_DATA_DIR": str(tmp_path / "data"), "FIELDLOG_DATABASE_URL": db_url}
    lines = every_command(env, ["FIELDLOG_DATABASE_URL", "fieldlog db upgrade"], skip=MAKE_THE_DATABASE)
    assert all("has no fieldlog tables" in line for line in lines.values())


def test_a_database_from_a_newer_fieldlog_is_named_and_not_touched(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    with sqlite3.connect(server.data_dir / "fieldlog.sqlite3") as c:
        c.execute("UPDATE alembic_version SET version_num = '9999'")
    lines = every_command(server.env, ["FIELDLOG_DATABASE_URL", "revision 9999", "does not know"])
    assert set(lines) == set(COMMANDS)
    with sqlite3.connect(server.data_dir / "fieldlog.sqlite3") as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999",)


def test_a_data_directory_that_cannot_be_written_is_named_by_the_commands_that_write_there(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the data directory's parent should be")
    env = {"FIELDLOG_DATA_DIR": str(blocker / "data")}
    for name in ("serve", "db upgrade", "demo"):
        assert_one_line(run(env, COMMANDS[name]), "FIELDLOG_DATA_DIR", "cannot write in")


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("FIELDLOG_TZ", "Asia/Shangai", ["no time zone is called 'Asia/Shangai'", "Asia/Shanghai"]),
        ("FIELDLOG_PROFILE", "beijing", ["unknown profile 'beijing'", "chongqing"]),
        ("FIELDLOG_TOKEN_TTL_HOURS", "thirty days", ["must be a whole number"]),
        ("FIELDLOG_SIGNIN_MAX_FAILURES", "0", ["must be at least 1"]),
        ("FIELDLOG_MAX_UPLOAD_BYTES", "-5", ["must be at least 1"]),
        ("FIELDLOG_DATABASE_URL", "mysql://fieldlog@db/fieldlog", ["PostgreSQL or SQLite", "postgresql://"]),
        ("FIELDLOG_DATABASE_URL", "postgresql+psycopg2://u@db/f", ["'psycopg2' is not installed"]),
        ("FIELDLOG_DATABASE_URL", "sqlite://", ["in-memory", "sqlite:///path"]),
        ("FIELDLOG_DATABASE_URL", "localhost:5432", ["is not a database URL"]),
        ("FIELDLOG_REDIS_URL", "http://127.0.0.1:6379", ["is not a Redis URL", "redis://"]),
    ],
)
def test_a_bad_setting_is_named_by_every_command(
    variable: str, value: str, words: list[str], tmp_path: Path
) -> None:
    env = {"FIELDLOG_DATA_DIR": str(tmp_path / "data"), variable: value}
    if variable == "FIELDLOG_TZ":
        every_command(env, [variable, *words])  # each command, once
    else:
        assert_one_line(run(env, COMMANDS["district add"]), variable, *words)
        assert_one_line(run(env, COMMANDS["serve"]), variable, *words)


def test_serve_names_a_redis_that_does_not_answer(live_server: LiveServer) -> None:
    env = {**live_server.env, "FIELDLOG_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    assert_one_line(run(env, ["serve", "--port", str(free_port())]), "FIELDLOG_REDIS_URL", "does not answer")


def test_serve_names_a_port_already_in_use(live_server: LiveServer) -> None:
    line = assert_one_line(run(live_server.env, ["serve", "--port", str(live_server.port)]), "--port")
    assert f"127.0.0.1:{live_server.port}" in line


def test_the_plain_url_forms_a_host_hands_out_work(db_url: str, tmp_path: Path) -> None:
    """``postgresql://user@host/db`` and ``sqlite:///path``, as written on every hosting panel."""
    u = make_url(db_url)
    plain = u.set(drivername=u.get_backend_name()).render_as_string(hide_password=False)
    assert "+" not in plain.split("://")[0]
    server = LiveServer(tmp_path, db_url=plain)
    server.upgrade()
    server.add_district("甲区")
    server.add_user("planner1", "planner", ["甲区"])
    server.start()
    try:
        with server.login("planner1") as client:
            assert [d["name"] for d in client.get("/api/districts").json()] == ["甲区"]
    finally:
        server.stop()
