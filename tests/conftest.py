"""Shared test fixtures: real databases and a real server process.

Fixtures
========

``db_url``
    A fresh, empty database URL, parametrized over the engines: ``sqlite`` (a new file in ``tmp_path``)
    and ``postgresql`` (only when ``FIELDLOG_TEST_DATABASE_URL`` points at a PostgreSQL server, e.g.
    ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``: a database ``fieldlog_t_<hex>`` is created on
    that server for the test and dropped afterwards). Not migrated: call ``fieldlog db upgrade`` or
    ``server.core.migrate.upgrade``.

``live_server``
    A started `LiveServer` on SQLite (the default deployment), migrated and empty.

``live_server_any``
    The same, parametrized over ``db_url`` (SQLite and, when configured, PostgreSQL).

``LiveServer(tmp_path, db_url=None, env=None, *, host="127.0.0.1", data_dir=None, workers=1, name="server")``
    The real thing: ``fieldlog db upgrade``, then ``python -m server serve --host <host> --port <port>
    --workers <workers>`` as a subprocess with its own ``FIELDLOG_DATA_DIR`` (or ``data_dir``, which two
    servers of one deployment may share; ``name`` tells their logs apart). Offers:

    * ``.url`` (``http://<host>:<port>``; the port stays the same across restarts), ``.data_dir``,
      ``.db_url``, ``.log_path`` (the server's stdout+stderr);
    * ``.upgrade()``; ``.start()`` (waits for ``/health``; raises with the log if the process dies);
      ``.kill()`` (SIGKILL, to simulate a crash); ``.stop()`` (SIGTERM, then SIGKILL after 10 s);
    * ``.cli(*args, input=None)`` -> ``CompletedProcess`` of ``python -m server <args>`` in the server's env;
    * ``.add_district(name) -> id``; ``.add_user(username, role, districts=(), password=DEFAULT_PASSWORD,
      display_name="") -> id`` (both via the CLI; ``districts`` are district *names*);
    * ``.login(username, password=DEFAULT_PASSWORD) -> httpx.Client`` with ``base_url`` and the bearer header
      set (the caller closes it, or uses it as a context manager).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
PG_ENV = "FIELDLOG_TEST_DATABASE_URL"
#: The machine's Redis, for the sign-in counts kept there (FIELDLOG_REDIS_URL).
REDIS_URL = os.environ.get("FIELDLOG_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
DEFAULT_PASSWORD = "fieldlog-test-pw"
ENGINES = ["sqlite", *(["postgresql"] if os.environ.get(PG_ENV) else [])]


# --- databases --------------------------------------------------------------------------------------------


def _pg_admin_dsn(url: str) -> str:
    """asyncpg DSN for the server in ``url`` (SQLAlchemy's ``+asyncpg`` suffix dropped)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_exec(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_admin_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(server_url: str) -> str:
    """Create ``fieldlog_t_<hex>`` on the server of ``server_url``; return its SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    name = f"fieldlog_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(server_url, f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(server_url: str, db_url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(db_url).database
    asyncio.run(_pg_exec(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, unmigrated database on each engine (see the module docstring)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fieldlog-test.sqlite3'}"
        return
    server_url = os.environ[PG_ENV]
    url = create_pg_database(server_url)
    try:
        yield url
    finally:
        drop_pg_database(server_url, url)


# --- a real server process --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A fieldlog server in a subprocess, with its own data directory (see the module docstring)."""

    def __init__(
        self,
        tmp_path: Path,
        db_url: str | None = None,
        env: Mapping[str, str] | None = None,
        *,
        host: str = "127.0.0.1",
        data_dir: Path | None = None,
        workers: int = 1,
        name: str = "server",
    ) -> None:
        self.data_dir = data_dir or tmp_path / "server-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or f"sqlite+aiosqlite:///{self.data_dir / 'fieldlog.sqlite3'}"
        self.host = host
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.workers = workers
        self.log_path = self.data_dir / f"{name}.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith("FIELDLOG_") or k in ("FIELDLOG_TZ",)}
        self.env: dict[str, str] = {
            **base,
            "FIELDLOG_DATA_DIR": str(self.data_dir),
            "FIELDLOG_DATABASE_URL": self.db_url,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    # CLI
    def cli(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "server", *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=REPO,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"fieldlog {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def upgrade(self) -> None:
        self.cli("db", "upgrade")

    def add_district(self, name: str) -> int:
        return int(self.cli("district", "add", name).stdout.strip().splitlines()[-1])

    def add_user(
        self,
        username: str,
        role: str,
        districts: Sequence[str] = (),
        password: str = DEFAULT_PASSWORD,
        display_name: str = "",
    ) -> int:
        args = ["user", "add", username, "--role", role]
        for d in districts:
            args += ["--district", d]
        if display_name:
            args += ["--display-name", display_name]
        return int(self.cli(*args, input=password + "\n").stdout.strip().splitlines()[-1])

    # process
    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        log = self.log_path.open("ab")
        args = ["serve", "--host", self.host, "--port", str(self.port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=REPO,
            # Its own process group: a kill reaches the worker processes too.
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not answer /health within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to finish anything (a crash or power cut)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the workers under ``serve --workers N``, else the server."""
        if self.proc is None:
            return []
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        # uvicorn spawns each worker with multiprocessing (beside them: its resource tracker).
        return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # HTTP
    def login(self, username: str, password: str = DEFAULT_PASSWORD) -> httpx.Client:
        resp = httpx.post(f"{self.url}/api/auth/login", json={"username": username, "password": password})
        resp.raise_for_status()
        token = resp.json()["access_token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A migrated, started, empty server on SQLite."""
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_server_any(tmp_path: Path, db_url: str) -> Iterator[LiveServer]:
    """Like ``live_server``, on every engine of ``db_url``."""
    server = LiveServer(tmp_path, db_url=db_url)
    server.upgrade()
    server.start()
    try:
        yield server
    finally:
        server.stop()
