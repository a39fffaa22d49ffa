"""A phone whose storage fills up or turns read-only, run inside a mount namespace the test made.

``python -m tests.app.storage_faults_phone <scenario> <folder>`` (under ``unshare --mount
--map-root-user``) mounts a small tmpfs on ``folder``, plays the planner through `AppState` on a real
`LocalStore` there, and prints one JSON object: what the planner was told and what the store holds after.
Scenarios: ``full`` (photos and records until the disk is full, then more room), ``readonly`` (records
saved, the app closed, the storage remounted read-only, the app opened again, then writable again).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from app.store import LocalStore
from app.ui.signin import _password_verifier
from app.ui.state import AppState, Fix, store_path
from shared import records as rec

SERVER = "http://127.0.0.1:9"  # nothing listens: the phone is offline throughout
USERNAME = "planner1"
USER: dict[str, Any] = {"username": USERNAME, "display_name": "张规划", "districts": [{"id": 7}]}
PASSWORD = "fieldlog-test-pw"


def mount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)


def remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def camera_photo(rnd: random.Random) -> bytes:
    """A camera-sized JPEG that does not compress away (noise), about 0.2 MB once prepared."""
    img = Image.frombytes("RGB", (640, 480), rnd.randbytes(640 * 480 * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def signed_in(data_dir: Path) -> AppState:
    """planner1 on this phone, with the sign-in kept for opening offline."""
    state = AppState(data_dir=data_dir)
    path = store_path(data_dir, SERVER, USERNAME)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    store.set_meta("session.password", _password_verifier(PASSWORD))
    store.set_meta("session.user", json.dumps(USER))
    state._enter(store, SERVER, USERNAME, "token", USER)
    return state


def held(data_dir: Path) -> dict[str, Any]:
    """What the store on the phone holds, read afresh from the file."""
    path = store_path(data_dir, SERVER, USERNAME)
    with LocalStore(path, photo_dir=path.parent / "photos") as store:
        records = store.records()
        with store._read() as c:
            integrity = c.exec_driver_sql("PRAGMA integrity_check").scalar_one()
            ops = {r[0] for r in c.exec_driver_sql("SELECT record_id FROM outbox").all()}
        photos_ok = {}
        for r in records:
            for sha in r.data.get("photos") or []:
                file = store.photo_path(sha)
                photos_ok[sha] = file is not None and hashlib.sha256(file.read_bytes()).hexdigest() == sha
    leftovers = [p.name for p in path.parent.rglob("*.tmp")]
    return {
        "ids": sorted(r.id for r in records),
        "with_op": sorted(r.id for r in records if r.id in ops),
        "photos_ok": photos_ok,
        "integrity": integrity,
        "tmp_files": leftovers,
    }


def full(folder: Path) -> dict[str, Any]:
    mount(folder, "size=3m")
    data_dir = folder / "phone-data"
    state = signed_in(data_dir)
    rnd = random.Random(7)
    visit = state.check_in(Fix(29.563, 106.5516, 8.0), site="滨江步道")
    assert visit is not None
    saved = [visit]
    photos: list[str] = []
    told: dict[str, str | None] = {}

    def opinion(n: int) -> str | None:
        state.new_opinion(visit)
        state.opinion.subject = f"第 {n} 条意见"
        state.opinion.body = "建议保留街巷肌理。" * 200
        return state.save_opinion()

    # A few opinions, then photos until one is refused, then opinions until one is refused.
    for n in range(5):
        rid = opinion(n)
        assert rid is not None, state.field_error
        saved.append(rid)
    while "photo" not in told:
        sha = state.add_photo(rec.VISIT, visit, camera_photo(rnd))
        if sha is None:
            told["photo"] = state.field_error
        else:
            photos.append(sha)
    for n in range(5, 10_000):
        rid = opinion(n)
        if rid is None:
            told["opinion"] = state.field_error
            break
        saved.append(rid)
    told["sync_screen"] = state.storage_text()
    state.store.close()
    after_full = held(data_dir)
    # More room (the planner deleted something): saving works again, and everything is still there.
    remount(folder, "size=64m")
    again = signed_in(data_dir)
    again.new_opinion()
    again.opinion.subject, again.opinion.body = "腾出空间后", "可以继续保存"
    later = again.save_opinion()
    again.store.close()
    return {
        "told": told,
        "saved": sorted(saved),
        "photos": photos,
        "after_full": after_full,
        "saved_after_room": later,
        "after_room": held(data_dir),
    }


def readonly(folder: Path) -> dict[str, Any]:
    mount(folder, "size=16m")
    data_dir = folder / "phone-data"
    state = signed_in(data_dir)
    visit = state.check_in(Fix(29.563, 106.5516, 8.0), site="滨江步道")
    assert visit is not None
    sha = state.add_photo(rec.VISIT, visit, camera_photo(random.Random(3)))
    state.check_out(notes="与社区书记现场查看")
    state.store.close()
    saved = held(data_dir)
    remount(folder, "ro")
    phone = AppState(data_dir=data_dir)
    opened = phone.sign_in(SERVER, USERNAME, PASSWORD)
    told = phone.error
    remount(folder, "rw")
    back = AppState(data_dir=data_dir)
    reopened = back.sign_in(SERVER, USERNAME, PASSWORD)
    visits = [r.id for r in back.store.records(rec.VISIT)] if reopened else []
    if back.store is not None:
        back.store.close()
    return {
        "saved": saved,
        "photo": sha,
        "opened_read_only": opened,
        "told": told,
        "reopened": reopened,
        "visits": visits,
        "after": held(data_dir),
    }


if __name__ == "__main__":
    scenario, where = sys.argv[1], Path(sys.argv[2])
    print(json.dumps({"full": full, "readonly": readonly}[scenario](where), ensure_ascii=False))
