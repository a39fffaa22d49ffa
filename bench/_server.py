"""A real fieldlog server subprocess on loopback (or a given address) with its own data directory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``fieldlog serve [--workers N]`` in a subprocess on ``host``; by default on the SQLite file
    ``db_path``, or on ``database_url``."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        host: str = "127.0.0.1",
        database_url: str = "",
        workers: int = 1,
    ) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="fieldlog-bench-"))
        self.host = host
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.workers = workers
        self.env = dict(
            os.environ,
            FIELDLOG_DATA_DIR=str(self.data_dir),
            FIELDLOG_SECRET_KEY="bench-secret-key-not-for-production-0123456789",
        )
        self.env.pop("FIELDLOG_DATABASE_URL", None)
        self.env.pop("FIELDLOG_REDIS_URL", None)
        if database_url:
            self.env["FIELDLOG_DATABASE_URL"] = database_url
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.db_path}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "fieldlog.sqlite3"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "server", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"fieldlog {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def migrate(self) -> None:
        self.cli("db", "upgrade")

    def add_district(self, name: str) -> int:
        return int(self.cli("district", "add", name).splitlines()[-1])

    def add_user(self, username: str, role: str, districts: tuple[str, ...] = ()) -> int:
        args = ["user", "add", username, "--role", role]
        for d in districts:
            args += ["--district", d]
        return int(self.cli(*args, stdin=PASSWORD + "\n").splitlines()[-1])

    def start(self) -> None:
        args = ["serve", "--host", self.host, "--port", str(self.port), "--workers", str(self.workers)]
        # A file, not a pipe: a server that logs much under load must never block on a full pipe.
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", *args],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not answer /health within 60 s")

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pids(self) -> list[int]:
        """The server's processes: the workers under ``--workers N`` and the process that started them."""
        if self.proc is None:
            return []
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [self.proc.pid, *(int(c) for c in children)]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the workers too
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def timed_get(srv: ServerProcess, path: str, runs: int) -> tuple[list[float], httpx.Response]:
    """GET ``path`` as the coordinator: one warm-up, then ``runs`` timed requests (body read and parsed).

    Returns the timings and the warm-up response."""
    from app.sync import login

    session = login(srv.url, "coord", PASSWORD)
    with httpx.Client(
        base_url=srv.url, headers={"Authorization": f"Bearer {session.token}"}, timeout=600
    ) as c:
        warm = c.get(path)
        warm.raise_for_status()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = c.get(path)
            r.raise_for_status()
            r.json()
            times.append(time.perf_counter() - t0)
    return times, warm
