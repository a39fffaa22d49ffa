"""A full phone and an unwritable store, for real: a small tmpfs in a mount namespace the test makes
(`unshare --mount --map-root-user`), filled up or remounted read-only under the running app
(tests/app/storage_faults_phone.py). The planner is told in plain words and nothing saved is lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.i18n import t
from tests.conftest import REPO


def _phone(scenario: str, tmp_path: Path) -> dict[str, Any]:
    unshare = shutil.which("unshare")
    assert unshare, "util-linux's unshare is needed to give the phone a storage of its own"
    folder = tmp_path / "storage"
    folder.mkdir()
    out = subprocess.run(
        [
            unshare,
            "--mount",
            "--map-root-user",
            "--propagation",
            "private",
            sys.executable,
            "-m",
            "tests.app.storage_faults_phone",
            scenario,
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_a_full_phone_says_so_in_plain_words_and_keeps_everything_saved_before(tmp_path: Path) -> None:
    r = _phone("full", tmp_path)
    assert r["told"]["photo"] == t("zh", "storage.full")
    assert r["told"]["opinion"] == t("zh", "storage.full")
    assert len(r["photos"]) >= 3 and len(r["saved"]) >= 6
    held = r["after_full"]
    assert held["integrity"] == "ok"
    # Every record the planner was told was saved is there, each with the op that will send it.
    assert held["ids"] == r["saved"] and held["with_op"] == r["saved"]
    assert held["photos_ok"] == {sha: True for sha in r["photos"]}
    assert held["tmp_files"] == [], "a half-written photo must not keep taking the space"
    assert r["told"]["sync_screen"].startswith(
        f"本机等待上传：{len(r['saved'])} 条记录、{len(r['photos'])} 张照片"
    )
    # With room again, saving goes on and nothing went missing in between.
    assert r["saved_after_room"] is not None
    assert set(r["after_room"]["ids"]) == {*r["saved"], r["saved_after_room"]}


def test_an_unwritable_store_says_so_in_plain_words_and_loses_nothing(tmp_path: Path) -> None:
    r = _phone("readonly", tmp_path)
    assert r["opened_read_only"] is False
    assert r["told"] == t("zh", "storage.signin_unwritable")
    assert r["reopened"] is True
    assert r["after"]["ids"] == r["saved"]["ids"] and r["visits"] == r["saved"]["ids"]
    assert r["after"]["photos_ok"] == {r["photo"]: True}
    assert r["after"]["integrity"] == "ok"
