"""Where the phone keeps its data, how it tells a full or unwritable store from other errors, and the line
that says what waits on the phone and how much room it takes."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.errors import plain
from app.main import data_dir
from app.storage import WaitingOnPhone, storage_problem, waiting_on_phone
from app.store import LocalStore
from tests.app.helpers import visit


def test_a_phone_build_keeps_its_data_in_flets_durable_app_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "durable"))
    monkeypatch.setenv("FIELDLOG_DATA_DIR", str(tmp_path / "web"))
    assert data_dir() == tmp_path / "durable"


def test_web_mode_keeps_the_data_directory_setting_or_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLET_APP_STORAGE_DATA", raising=False)
    monkeypatch.setenv("FIELDLOG_DATA_DIR", str(tmp_path / "web"))
    assert data_dir() == tmp_path / "web"
    monkeypatch.delenv("FIELDLOG_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert data_dir() == tmp_path / "data"


def test_a_read_only_store_is_told_apart_as_unwritable(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(sa.exc.OperationalError) as caught, engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    assert storage_problem(caught.value) == "unwritable"


def test_a_disk_full_error_is_told_apart_as_full_even_when_wrapped() -> None:
    # Injected on purpose: the real full disk is in test_storage_faults.py.
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("saving the photo failed") from exc
    except RuntimeError as wrapped:
        assert storage_problem(wrapped) == "full"
    assert storage_problem(OSError(errno.EROFS, "Read-only file system")) == "unwritable"


def test_other_errors_are_not_storage_problems(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    conn.execute("CREATE TABLE t (x UNIQUE)")
    conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as caught:
        conn.execute("INSERT INTO t VALUES (1)")
    assert storage_problem(caught.value) is None
    assert storage_problem(ValueError("site: is required")) is None
    assert storage_problem(OSError(errno.ECONNREFUSED, "refused")) is None


def test_a_sync_stopped_by_a_full_phone_says_so_and_that_nothing_is_lost() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    assert (
        plain("zh", full, offline_first=True)
        == "手机存储空间已满，同步停下了；本机记录和照片都还在，腾出空间后会接着同步。"
    )
    assert plain("en", full, offline_first=True).startswith("The phone's storage is full, so syncing stopped")


def test_the_storage_line_counts_what_waits_and_its_size_in_both_languages() -> None:
    line = WaitingOnPhone(
        records=3, photos=2, bytes_waiting=412_000, bytes_used=1_234_567, bytes_free=5_300_000_000
    )
    assert (
        line.text("zh")
        == "本机等待上传：3 条记录、2 张照片，占 412 KB；本机数据共占 1.2 MB。\n手机剩余空间：5.3 GB"
    )
    assert line.text("en") == (
        "Waiting on this phone: records 3, photos 2, taking 412 KB; all data on the phone: 1.2 MB.\n"
        "Free on the phone: 5.3 GB"
    )
    empty = WaitingOnPhone(records=0, photos=0, bytes_waiting=0, bytes_used=40_960, bytes_free=None)
    assert empty.text("zh") == "本机没有等待上传的内容；本机数据共占 41 KB。"


def test_waiting_records_and_photos_count_with_their_size_until_the_server_has_them(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "store.sqlite3") as store:
        photo = b"\xff\xd8" + b"p" * 50_000 + b"\xff\xd9"
        thumb = b"\xff\xd8thumb\xff\xd9"
        sha = store.add_photo(photo, thumb)
        store.save("visit", visit(photos=[sha]))
        waiting = waiting_on_phone(store, waiting_records=1)
        assert (waiting.records, waiting.photos) == (1, 1)
        assert waiting.bytes_waiting == store.outbox_bytes() + len(photo) + len(thumb)
        assert store.outbox_bytes() > 100
        assert waiting.bytes_used >= len(photo) + len(thumb) + store.path.stat().st_size
        assert waiting.bytes_free is not None and waiting.bytes_free > 0
        store.mark_photos_uploaded([sha])
        assert store.waiting_photos() == (0, 0)
        # Uploaded, the photo still takes room on the phone until it is released.
        assert store.bytes_on_disk() >= len(photo)


def test_a_photo_that_fails_to_store_leaves_no_file_behind(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "store.sqlite3") as store:
        store._engine.dispose()
        # Injected on purpose: the database refuses the photo's row after its files were written.
        store._engine = sa.create_engine(f"sqlite:///file:{store.path}?mode=ro&uri=true")
        with pytest.raises(sa.exc.OperationalError):
            store.add_photo(b"\xff\xd8orphan\xff\xd9", b"\xff\xd8thumb\xff\xd9")
        assert [p for p in store.photo_dir.rglob("*") if p.is_file()] == []
