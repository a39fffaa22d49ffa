"""Sync: what waits to upload, the progress of a sync, its last error in plain words, conflicts to settle.

The app syncs by itself (`app.main`); this screen also lets the planner start one. The sync itself runs in
a worker thread (`app.sync.SyncEngine`); its progress is applied on the UI loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import plain
from app.i18n import t
from app.storage import WaitingOnPhone, waiting_on_phone
from app.ui.session import SessionBase, get, signed_in
from app.ui.theme import ACCENT, MUTED
from app.ui.widgets import banner, big_button, button, card, column, half_and_half, text

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.planner.records import RecordItem
    from app.ui.state import AppState


@ft.observable
@dataclass
class SyncState:
    """What the Sync screen shows while and after a sync runs: progress, and the last error in plain words."""

    running: bool = False
    phase: str = ""
    done: int = 0
    total: int = 0
    last_error: str | None = None
    last_finished_at: str | None = None

    def progress_text(self, lang: str) -> str:
        key = f"sync.phase.{self.phase}" if self.phase in ("push", "photos", "pull") else "sync.phase.other"
        return t(lang, key, phase=self.phase, done=self.done, total=self.total)

    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass(frozen=True)
class SyncSummary:
    """What the store says on the Sync screen: records waiting, conflicts, the last sync, the clock."""

    waiting: list[RecordItem]
    conflicts: list[tuple[str, str]]
    last_sync_at: datetime | None
    clock_offset_s: float | None = None
    #: What waits on this phone (records, photos) and the room it takes and has left.
    storage: WaitingOnPhone | None = None


class SyncActions(SessionBase):
    """Run a sync; list what waits; settle conflicts."""

    def waiting_items(self) -> list[RecordItem]:
        """Records the server does not have yet (or whose photos it lacks): what a sync will send."""
        return [i for i in self.record_items() if i.status_code in ("saved", "photos")]

    def conflict_items(self) -> list[tuple[str, str]]:
        out = []
        for c in self.store.conflicts():
            rid = get(c, "record_id") or get(c, "id")
            kind = get(c, "kind") or ""
            out.append((str(rid), f"{self.tr('kind.' + kind) if kind else ''} {str(rid)[:8]}"))
        return out

    def sync_summary(self) -> SyncSummary:
        waiting = self.waiting_items()
        return SyncSummary(
            waiting=waiting,
            conflicts=self.conflict_items(),
            last_sync_at=self.store.last_sync_at(),
            clock_offset_s=self.store.clock_offset_s(),
            storage=waiting_on_phone(self.store, len(waiting)),
        )

    def storage_text(self) -> str:
        """What waits on this phone (records, photos) and the room it takes and has left."""
        return waiting_on_phone(self.store, len(self.waiting_items())).text(self.lang)

    def resolve(self, record_id: str, keep_mine: bool) -> None:
        self.store.resolve_conflict(record_id, keep_mine=keep_mine)
        self.touch()

    def run_sync(self, post: Callable[[Callable[[], None]], None] | None = None) -> Any:
        """Push, upload photos, pull. Synchronous: call it from a worker thread.

        ``post`` runs a state change on the UI's event loop (the observable re-renders from there);
        tests pass nothing and the change runs at once. Errors end up in plain words.
        """
        from app import sync

        if self.store is None or self.base_url is None or self.sync.running:
            return None
        apply = post or (lambda fn: fn())
        progress_state = self.sync

        def start() -> None:
            progress_state.running = True
            progress_state.done = progress_state.total = 0
            progress_state.phase = ""

        def progress(p: Any) -> None:
            phase, done, total = (
                str(get(p, "phase") or ""),
                int(get(p, "done") or 0),
                int(get(p, "total") or 0),
            )

            def show() -> None:
                progress_state.phase, progress_state.done, progress_state.total = phase, done, total

            apply(show)

        apply(start)
        report = None
        error: str | None = None
        try:
            with sync.SyncEngine(self.store, self.base_url, self.token or "", progress=progress) as engine:
                report = engine.sync()
            problems = list(getattr(report, "errors", None) or [])
            if problems:
                # The rest went through; say what did not, in the planner's words where we have them.
                error = self.tr("sync.partial", count=len(problems), detail=problems[0])
        except Exception as exc:
            error = plain(self.lang, exc, offline_first=True)
        finished = self.clock().isoformat()

        def finish() -> None:
            progress_state.last_error = error
            progress_state.running = False
            progress_state.last_finished_at = finished
            # What the screen on show says may have changed (pushed, pulled, confirmed); a summary that
            # stayed the same re-renders nothing, so a field the planner is typing in keeps its keystrokes.
            if self.store is not None:
                self.refresh()

        apply(finish)
        return report


async def sync_now(state: AppState) -> None:
    """Run one sync in a worker thread; its progress is applied on the UI loop."""
    if state.store is None or state.sync.running:
        return
    loop = asyncio.get_running_loop()

    def post(fn: Any) -> None:
        loop.call_soon_threadsafe(fn)

    await asyncio.to_thread(state.run_sync, post)


@ft.component
@signed_in
def SyncScreen(state: AppState, services: Services, sync: SyncState) -> ft.Control:
    summary = state.outbox
    if summary is None:
        return ft.Container()

    async def start_sync(_: Any) -> None:
        await sync_now(state)

    conflict_cards: list[ft.Control] = [
        card(
            text(label, 17),
            half_and_half(
                button(state.tr("sync.keep_mine"), lambda _, r=rid: state.resolve(r, True)),
                button(state.tr("sync.keep_server"), lambda _, r=rid: state.resolve(r, False)),
            ),
        )
        for rid, label in summary.conflicts
    ] or [text(state.tr("sync.no_conflicts"), 17, color=MUTED)]
    offset = summary.clock_offset_s
    return column(
        text(state.tr("sync.title"), 26, ft.FontWeight.BOLD),
        text(state.tr("sync.auto"), 16, color=MUTED),
        big_button(
            state.tr("sync.running") if sync.running else state.tr("sync.now"), start_sync, icon=ft.Icons.SYNC
        ),
        ft.ProgressBar(
            value=sync.fraction() if sync.running else 1.0 if sync.last_finished_at else 0.0,
            bar_height=10,
            color=ACCENT,
            bgcolor="#dde3ea",
        ),
        # Always one line, so nothing below jumps while a sync starts and ends under the planner's thumb.
        ft.Container(
            text(sync.progress_text(state.lang) if sync.running and sync.phase else "", 17),
            height=28,
        ),
        card(
            text(state.tr("sync.waiting", count=len(summary.waiting)), 18),
            *[text(f"· {item.title} ({item.status_text})", 16, color=MUTED) for item in summary.waiting[:8]],
            text(summary.storage.text(state.lang), 16, color=MUTED) if summary.storage else None,
            text(state.last_sync_text(summary.last_sync_at), 17, color=MUTED),
            text(state.tr("sync.clock", seconds=f"{offset:.0f}"), 16, color=MUTED)
            if offset is not None and abs(offset) >= 60
            else None,
        ),
        banner(state.tr("sync.last_error", error=sync.last_error), error=True)
        if sync.last_error
        else text(state.tr("sync.no_error"), 17, color=MUTED),
        text(state.tr("sync.conflicts"), 20, ft.FontWeight.BOLD),
        *conflict_cards,
        button(state.tr("signout"), lambda _: state.sign_out(), icon=ft.Icons.LOGOUT),
    )
