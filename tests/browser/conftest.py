"""Browser-test fixtures: the phone app as a real `python -m app` process; screenshots directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO, free_port

SHOTS = REPO / "test-artifacts" / "screenshots"


class AppProcess:
    """`python -m app` (or another Flet script) serving the web app on a loopback port."""

    def __init__(
        self,
        data_dir: Path,
        server_url: str,
        argv: Sequence[str] = ("-m", "app"),
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = list(argv)
        self.log_path = data_dir / "app.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "FIELDLOG_DATA_DIR": str(data_dir),
            "FIELDLOG_SERVER_URL": server_url,
            "FLET_SERVER_PORT": str(self.port),
            "FLET_SERVER_IP": "127.0.0.1",
            "FLET_FORCE_WEB_SERVER": "true",
            "FLET_WEB_NO_CDN": "true",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, *self.argv], cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"app did not answer within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: like the phone's battery dying or the OS killing the app."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def shots_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[type[AppProcess]]:
    started: list[AppProcess] = []

    class Tracked(AppProcess):
        def start(self, timeout: float = 60.0) -> None:
            started.append(self)
            super().start(timeout)

    yield Tracked
    for a in started:
        a.kill()


def known_site(server: Any, staff: str, district_id: int, name: str, lat: float, lon: float) -> None:
    """District staff put a site on their district's list (phones fetch it after their next pull)."""
    with server.login(staff) as client:
        body = {"district_id": district_id, "kind": "site", "name": name, "lat": lat, "lon": lon}
        client.post("/api/sites", json=body).raise_for_status()
