"""The phone's own storage, in the planner's terms: what waits on the phone and its size, and a full or
unwritable store told apart from every other error.

Nothing here catches anything by itself: `storage_problem` names the kind of failure (``full`` or
``unwritable``) so the caller can say it in plain words, after the store's transaction has rolled back and
kept everything saved before.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from app.i18n import fmt_bytes, t
from app.store import LocalStore

StorageProblem = Literal["full", "unwritable"]

_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_UNWRITABLE_ERRNOS: Final = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# SQLite's primary result codes (the low byte of the extended code Python 3.11 exposes).
_SQLITE_FULL: Final = 13
_SQLITE_READONLY: Final = 8
_SQLITE_CANTOPEN: Final = 14
_SQLITE_PERM: Final = 3


def storage_problem(exc: BaseException) -> StorageProblem | None:
    """``full`` or ``unwritable`` when ``exc`` (or what caused it) is the phone's storage refusing a write."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, sqlite3.Error):
            code = getattr(current, "sqlite_errorcode", None)
            primary = code & 0xFF if isinstance(code, int) else None
            if primary == _SQLITE_FULL:
                return "full"
            if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM):
                return "unwritable"
        if isinstance(current, OSError):
            if current.errno in _FULL_ERRNOS:
                return "full"
            if current.errno in _UNWRITABLE_ERRNOS:
                return "unwritable"
        # SQLAlchemy keeps the driver's exception in .orig.
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__]
    return None


def problem_text(
    lang: str, problem: StorageProblem, during: Literal["save", "signin", "sync"] = "save"
) -> str:
    """The problem in plain words for what the planner was doing; each says that nothing saved is lost."""
    return t(lang, f"storage.{problem}" if during == "save" else f"storage.{during}_{problem}")


@dataclass(frozen=True)
class WaitingOnPhone:
    """What this phone holds that the server does not have yet, and the room it takes and has left."""

    records: int
    photos: int
    #: The waiting records' data (as they will be sent) and the waiting photos (stored copy, thumbnail).
    bytes_waiting: int
    #: Everything of this store on the phone: the SQLite file with its journal, and every photo file.
    bytes_used: int
    #: Free space where the store lives; None when the phone does not say.
    bytes_free: int | None

    def text(self, lang: str) -> str:
        used = fmt_bytes(self.bytes_used, lang)
        if not self.records and not self.photos:
            line = t(lang, "storage.nothing_waiting", used=used)
        else:
            waiting = fmt_bytes(self.bytes_waiting, lang)
            line = t(
                lang, "storage.waiting", records=self.records, photos=self.photos, waiting=waiting, used=used
            )
        if self.bytes_free is None:
            return line
        return f"{line}\n{t(lang, 'storage.free', free=fmt_bytes(self.bytes_free, lang))}"


def free_bytes(where: Path) -> int | None:
    try:
        return shutil.disk_usage(where).free
    except OSError:
        return None


def waiting_on_phone(store: LocalStore, waiting_records: int) -> WaitingOnPhone:
    """The storage line for ``store``; ``waiting_records`` as the sync screen counts them."""
    photos, photo_bytes = store.waiting_photos()
    return WaitingOnPhone(
        records=waiting_records,
        photos=photos,
        bytes_waiting=store.outbox_bytes() + photo_bytes,
        bytes_used=store.bytes_on_disk(),
        bytes_free=free_bytes(store.path.parent),
    )
