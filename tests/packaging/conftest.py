"""Packaging fixtures: what `flet build apk` would put on a phone, staged once per session, and the staged
bundle started as the phone starts it, with a test playing the phone's Flutter client."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.packaging.flet_build import Packaged, flet_build, project_as_built
from tests.packaging.phone_client import PhoneClient, bundle_log, start_bundle


@pytest.fixture(scope="session")
def apk(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    """`flet build apk` of this checkout, as far as it packages the Python app (see flet_build.py)."""
    return flet_build(project_as_built(REPO, tmp_path_factory.mktemp("project") / "fieldlog"), "apk")


@pytest.fixture
def run_dir() -> Iterator[Path]:
    """The bundle's working folder; short, as it holds the Unix socket (paths are limited to 108 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="fl-phone-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _answer(value: object, _args: dict[str, Any]) -> object:
    return value


class Phone:
    """The staged bundle running as on a phone, with its durable storage, and the client that plays the
    phone's screen."""

    def __init__(self, apk: Packaged, run_dir: Path) -> None:
        self.apk, self.run_dir = apk, run_dir
        self.storage = run_dir / "storage"
        self.storage.mkdir()
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = PhoneClient(run_dir)

    async def start(self, server_url: str | None = None, **answers: object) -> PhoneClient:
        """Start the bundle; ``answers`` are what the phone's plugins answer, by method name. With a
        ``server_url`` the build names its server (FIELDLOG_SERVER_URL), as a bureau's own build would."""
        env = {"FLET_APP_STORAGE_DATA": str(self.storage)}
        if server_url is not None:
            env["FIELDLOG_SERVER_URL"] = server_url
        proc = self.proc = start_bundle(self.apk.staged, self.run_dir, env)
        for name, value in answers.items():
            self.client.answers[name] = functools.partial(_answer, value)
        await self.client.connect(proc)
        await self.client.register()
        return self.client

    def log(self) -> str:
        return bundle_log(self.run_dir)

    async def stop(self) -> None:
        await self.client.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
async def phone(apk: Packaged, run_dir: Path) -> AsyncIterator[Phone]:
    p = Phone(apk, run_dir)
    try:
        yield p
    finally:
        await p.stop()
