"""The review queue: visits waiting for district staff, newest first, narrowed by planner, days and flag;
one visit at a time, confirm or send back.

A decision takes one tap (two for a flagged visit: the reason code, then confirm). The decided visit stays
on screen with its decision in sight and an undo (the server allows it for a few minutes,
`server.review.service.undo_review`); "next" opens the next one. The decisions sit at the bottom, within
thumb reach, above the tabs. A refusal from the server is shown in plain words naming the field, and
nothing moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import flet as ft

from app.errors import Refused, ServerError
from app.i18n import fmt_hours, fmt_time
from app.ui.mapview import points_map, tile_template
from app.ui.staff.base import StaffBase
from app.ui.theme import ACCENT, BAR_BG, ERR, MUTED
from app.ui.widgets import (
    banner,
    big_button,
    button,
    chip,
    choice_button,
    choice_row,
    column,
    dropdown,
    logged,
    panel,
    tap_card,
    text,
    text_field,
)
from shared import rules

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState


@dataclass(frozen=True)
class VisitView:
    """One visit as the reviewer reads it."""

    id: str
    planner: str
    site: str
    when: str
    duration: str
    hours: float | None
    lat: float | None
    lon: float | None
    accuracy: str
    participants: str
    notes: str
    photos: tuple[str, ...]
    photos_missing: int
    flags: tuple[str, ...]
    flag_labels: tuple[str, ...]
    #: confirmed / rejected when decided in this session (the decision can still be undone).
    decision: str | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class Decision:
    """A decision made in this session: what it was and the version it left, which an undo names."""

    visit_id: str
    site: str
    review: str
    version: int


#: The days choices of the queue's filter: all, today, or the last 7 or 30 days (the deployment's dates).
DAYS = ("all", "today", "week", "month")
_DAYS_BACK = {"today": 0, "week": 6, "month": 29}


@dataclass
class ReviewDraft:
    """What the reviewer typed for the visit on screen; plain, so typing does not re-render the screen."""

    note: str = ""
    reason: str = ""


class QueueState(StaffBase):
    """Load the queue, word its visits, decide them one after the other."""

    async def load(self) -> bool:
        """Configuration, districts and the queue; False (with the error in words) when the server says no."""
        self.busy = True
        try:
            self.config = await self.client.config()
            self.districts = await self.client.districts()
            if not self.planners:
                self.planners = await self.client.planners(self.year)
            await self.refresh_queue()
        except ServerError as exc:
            self._fail(exc)
            return False
        finally:
            self.busy = False
        return True

    async def refresh_queue(self) -> None:
        """The queue as the filters ask for it, newest first; what was decided here no longer waits."""
        since = self.queue_since()
        self.queue = await self.client.review_queue(
            self.district_id,
            "pending",
            order="newest",
            planner_id=self.queue_planner,
            since=since.isoformat() if since else None,
            flag=self.queue_flag,
        )
        self.decisions = {}
        self.current_id = self.queue[0]["id"] if self.queue else None
        self.reason_code = None

    def queue_since(self) -> date | None:
        back = _DAYS_BACK.get(self.queue_days)
        if back is None:
            return None
        return datetime.now(ZoneInfo(self.tz)).date() - timedelta(days=back)

    async def filter_planner(self, planner_id: int | None) -> None:
        self.queue_planner = planner_id
        await self._reload_queue()

    async def filter_days(self, days: str) -> None:
        self.queue_days = days if days in DAYS else "all"
        await self._reload_queue()

    async def filter_flag(self, flag: str | None) -> None:
        self.queue_flag = flag or None
        await self._reload_queue()

    async def _reload_queue(self) -> None:
        self.busy = True
        try:
            await self.refresh_queue()
        except ServerError as exc:
            self._fail(exc)
        finally:
            self.busy = False

    def planner_choices(self) -> list[tuple[int, str]]:
        return [
            (int(p["planner_id"]), str(p.get("display_name") or p["planner_id"]))
            for p in self.planners
            if p.get("planner_id") is not None
        ]

    def flag_choices(self) -> list[tuple[str, str]]:
        """Any flag, none, or one flag by its label (the server's words for them)."""
        codes = list((self.config.get("flag_labels") or {}).keys())
        return [
            ("any", self.tr("staff.flag_any")),
            ("none", self.tr("staff.flag_none")),
            *((c, self.flag_label(c)) for c in codes),
        ]

    def flag_label(self, code: str) -> str:
        labels = self.config.get("flag_labels") or {}
        entry = labels.get(code) or {}
        return str(entry.get(self.lang) or entry.get("zh") or code)

    def reason_choices(self) -> list[tuple[str, str]]:
        return [
            (str(r["code"]), str(r.get(self.lang) or r.get("zh") or r["code"]))
            for r in self.config.get("reason_codes") or []
        ]

    def view(self, v: dict[str, Any]) -> VisitView:
        started, ended = v.get("started_at"), v.get("ended_at")
        hrs = v.get("hours")
        if hrs is None and started and ended:
            hrs = rules.visit_hours(started, ended)
        when = fmt_time(started, self.lang, self.tz) if started else ""
        if ended:
            when = f"{when} – {fmt_time(ended, self.lang, self.tz).split(' ')[-1]}"
        duration = (
            self.tr("staff.duration", hours=fmt_hours(float(hrs)), minutes=round(float(hrs) * 60))
            if hrs is not None
            else self.tr("staff.no_checkout")
        )
        flags = tuple(str(f if isinstance(f, str) else f.get("code")) for f in v.get("flags") or [])
        acc = v.get("accuracy_m")
        return VisitView(
            id=str(v["id"]),
            planner=str(v.get("planner_name") or v.get("planner_id") or ""),
            site=str(v.get("site") or ""),
            when=when,
            duration=duration,
            hours=float(hrs) if hrs is not None else None,
            lat=v.get("lat"),
            lon=v.get("lon"),
            accuracy=self.tr("staff.accuracy", acc=f"{acc:.0f}") if isinstance(acc, int | float) else "",
            participants=str(v.get("participants") or ""),
            notes=str(v.get("notes") or ""),
            photos=tuple(v.get("photos") or ()),
            photos_missing=len(v.get("photos_missing") or ())
            if isinstance(v.get("photos_missing"), list)
            else int(v.get("photos_missing") or 0),
            flags=flags,
            flag_labels=tuple(self.flag_label(f) for f in flags),
            decision=d.review if (d := self.decisions.get(str(v["id"]))) else None,
        )

    def queue_views(self) -> list[VisitView]:
        """The visits still waiting (one decided here drops out of the list, not off the review screen)."""
        return [self.view(v) for v in self.queue if str(v["id"]) not in self.decisions]

    def current(self) -> VisitView | None:
        for v in self.queue:
            if v["id"] == self.current_id:
                return self.view(v)
        return None

    def position(self) -> int:
        """Where the visit on screen is in the queue, from 1."""
        return next((i for i, v in enumerate(self.queue) if v["id"] == self.current_id), 0) + 1

    def waiting_count(self) -> int:
        return len(self.queue) - len(self.decisions)

    def pick_reason(self, code: str) -> None:
        self.reason_code = code
        self.error = None

    def open_visit(self, visit_id: str) -> None:
        self.current_id = visit_id
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        self.go("visit")

    def start_rejecting(self) -> None:
        """The review turns into the rejection form (the reason to send back)."""
        self.rejecting = True
        self.error = None

    def stop_rejecting(self) -> None:
        self.rejecting = False
        self.error = None

    async def photo(self, sha256: str) -> bytes | None:
        """A visit photo from the server, fetched once per session."""
        if sha256 not in self.photos:
            try:
                self.photos[sha256] = await self.client.attachment(sha256)
            except ServerError:
                return None
        return self.photos[sha256]

    def _decided(self, v: VisitView, review: str, change: Any) -> None:
        """The decision is made: the visit stays on screen, its decision in sight, undo at hand."""
        version = int(change.get("version") or 0) if isinstance(change, dict) else 0
        self.decisions = {**self.decisions, v.id: Decision(v.id, v.site, review, version)}
        self.decided += 1
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        self.error = None
        self.notice = self.tr(f"staff.{review}", site=v.site)

    def decision(self) -> Decision | None:
        return self.decisions.get(self.current_id or "")

    def next_visit(self) -> None:
        """Open the next visit still waiting after the one on screen (the list when none is left)."""
        index = self.position() - 1
        waiting = [v for v in self.queue if str(v["id"]) not in self.decisions]
        later = [v for v in self.queue[index + 1 :] if str(v["id"]) not in self.decisions]
        nxt = (later or waiting)[0] if later or waiting else None
        self.notice = None
        self.error = None
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        if nxt is None:
            self.queue = waiting
            self.current_id = None
            self.decisions = {}
            self.notice = self.tr("staff.queue_empty")
            self.screen = "queue"
            return
        self.current_id = nxt["id"]

    async def undo(self) -> bool:
        """Undo the decision on screen: the visit is pending again, here and on the planner's phone."""
        d = self.decision()
        if d is None:
            return False
        try:
            await self.client.undo(d.visit_id, d.version)
        except ServerError as exc:
            if isinstance(exc, Refused) and exc.field in ("reviewed_at", "version", "reviewed_by"):
                self.error = self.tr(f"staff.undo_refused.{exc.field}", minutes=self.undo_minutes())
            else:
                self._fail(exc)
            return False
        self.decisions = {k: v for k, v in self.decisions.items() if k != d.visit_id}
        self.decided -= 1
        self.error = None
        self.notice = self.tr("staff.undone", site=d.site)
        return True

    def undo_minutes(self) -> int:
        return int(self.config.get("undo_minutes") or 10)

    async def confirm(self, note: str | None = None) -> bool:
        """Confirm the visit on screen; a flagged one needs the reason code chosen first."""
        v = self.current()
        if v is None or v.decision is not None:
            return False
        if v.flagged and not self.reason_code:
            self.error = self.tr("staff.reason_needed")
            return False
        try:
            change = await self.client.confirm(
                v.id, self.reason_code if v.flagged else None, (note or "").strip() or None
            )
        except ServerError as exc:
            if isinstance(exc, Refused) and exc.field in ("reason_code", "note"):
                self.error = self.tr(f"staff.refused.{exc.field}", detail=exc.detail)
            else:
                self._fail(exc)
            return False
        self._decided(v, "confirmed", change)
        return True

    async def reject(self, reason: str) -> bool:
        v = self.current()
        if v is None or v.decision is not None:
            return False
        if not reason.strip():
            self.error = self._required("staff.reject_reason")
            return False
        try:
            change = await self.client.reject(v.id, reason.strip())
        except ServerError as exc:
            self._fail(exc)
            return False
        self._decided(v, "rejected", change)
        return True


@ft.component
@logged
def RemotePhoto(staff: StaffState, sha: str) -> ft.Control:
    """One photo fetched from the server once, shown as a large thumbnail."""
    cached: bytes | None = staff.photos.get(sha)
    data, set_data = ft.use_state(cached)

    async def fetch() -> None:
        if data is None:
            got = await staff.photo(sha)
            if got is not None:
                set_data(got)

    ft.on_mounted(fetch)
    if data is None:
        return ft.Container(width=150, height=150, bgcolor="#e3e7ee", border_radius=8)
    return ft.Image(src=data, width=150, height=150, fit=ft.BoxFit.COVER, border_radius=8)


def _flag_chips(v: VisitView) -> ft.Control | None:
    if not v.flag_labels:
        return None
    return ft.Row([chip("rejected", label) for label in v.flag_labels], wrap=True, spacing=6)


def _queue_filters(staff: StaffState) -> ft.Control:
    """Planner, days and flag, above the list; each choice loads the queue again."""

    async def set_planner(e: ft.Event[ft.Dropdown]) -> None:
        await staff.filter_planner(None if e.control.value in (None, "", "-") else int(e.control.value))

    async def set_flag(e: ft.Event[ft.Dropdown]) -> None:
        await staff.filter_flag(None if e.control.value in (None, "", "-") else str(e.control.value))

    def days_button(code: str) -> ft.Control:
        async def pick(_: Any) -> None:
            await staff.filter_days(code)

        return choice_button(staff.tr(f"staff.days.{code}"), staff.queue_days == code, pick, size=15)

    planners = [("-", staff.tr("staff.all_planners"))] + [(str(i), n) for i, n in staff.planner_choices()]
    flags = [("-", staff.tr("staff.all_flags")), *staff.flag_choices()]
    return ft.Column(
        [
            dropdown(
                staff.tr("staff.filter_planner"),
                str(staff.queue_planner) if staff.queue_planner is not None else "-",
                planners,
                set_planner,
                menu_height=360,
            ),
            choice_row([days_button(code) for code in DAYS], spacing=4),
            dropdown(
                staff.tr("staff.filter_flag"), staff.queue_flag or "-", flags, set_flag, menu_height=360
            ),
        ],
        spacing=10,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


@ft.component
@logged
def QueueScreen(staff: StaffState) -> ft.Control:
    views = staff.queue_views()
    rows: list[ft.Control] = [
        tap_card(
            [
                text(v.site, 19, ft.FontWeight.BOLD),
                text(f"{v.planner} · {v.when}", 16, color=MUTED),
                text(v.duration, 16),
                _flag_chips(v),
            ],
            lambda _, i=v.id: staff.open_visit(i),
        )
        for v in views
    ]

    async def refresh(_: Any) -> None:
        await staff.load()

    district_options = [("-", staff.tr("staff.all_districts"))] + [
        (str(d["id"]), str(d.get("name") or d["id"])) for d in staff.districts
    ]

    async def set_district(e: ft.Event[ft.Dropdown]) -> None:
        staff.district_id = None if e.control.value in (None, "", "-") else int(e.control.value)
        await staff.load()

    return column(
        text(staff.tr("staff.queue_title"), 26, ft.FontWeight.BOLD),
        text(staff.tr("staff.queue_count", count=len(views), decided=staff.decided), 18),
        banner(staff.notice),
        banner(staff.error, error=True),
        dropdown(
            staff.tr("field.district_id"),
            str(staff.district_id) if staff.district_id is not None else "-",
            district_options,
            set_district,
        )
        if len(staff.districts) > 1
        else None,
        _queue_filters(staff),
        ft.ProgressBar() if staff.busy else None,
        big_button(staff.tr("staff.start"), lambda _: staff.open_visit(views[0].id), icon=ft.Icons.PLAY_ARROW)
        if views
        else text(staff.tr("staff.queue_empty"), 18, color=MUTED),
        text(staff.tr("staff.newest_first"), 15, color=MUTED) if views else None,
        *rows,
        button(staff.tr("staff.refresh"), refresh, icon=ft.Icons.REFRESH),
    )


@ft.component
@logged
def ReviewScreen(staff: StaffState) -> ft.Control:
    """One visit: what, who, when, how long, the flags and (if flagged) the reason, then the evidence.

    The decision buttons sit in the bar at the bottom (`decision_bar`), under the thumb on every scroll.
    """
    v = staff.current()
    draft = staff.draft
    if v is None:
        return column(
            text(staff.tr("staff.queue_empty"), 20), button(staff.tr("back"), lambda _: staff.go("queue"))
        )

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            setattr(draft, key, e.control.value or "")

        return on_change

    location: ft.Control | None
    if v.lat is not None and v.lon is not None:
        location = ft.Column(
            [
                points_map(
                    tile_template(staff.config, getattr(staff.client, "base_url", None)),
                    staff.config.get("map_crs"),
                    [(float(v.lat), float(v.lon), ERR if "outside_area" in v.flags else ACCENT)],
                    height=200,
                    zoom=15,
                    key=f"map-{v.id}",
                ),
                text(f"{v.lat:.5f}, {v.lon:.5f} {v.accuracy}", 15, color=MUTED),
                *(
                    [text(staff.tr("map.builtin_hint"), 14, color=MUTED)]
                    if staff.config.get("tile_builtin")
                    else []
                ),
            ],
            spacing=4,
        )
    else:
        location = chip("photos", staff.tr("visit.no_fix_badge"))
    photos = [RemotePhoto(staff, sha, key=f"photo-{sha}") for sha in v.photos]  # type: ignore[call-arg]
    confirming_flagged = v.flagged and not staff.rejecting
    decided = staff.decision()
    if decided is not None:
        # The decision in sight where the eyes are, with its undo (the bar below has it too).
        return column(
            ft.Container(
                ft.Column(
                    [
                        text(
                            staff.notice or staff.tr(f"staff.{decided.review}", site=v.site),
                            20,
                            ft.FontWeight.BOLD,
                        ),
                        text(staff.tr("staff.undo_hint", minutes=staff.undo_minutes()), 16, color=MUTED),
                    ],
                    spacing=4,
                ),
                bgcolor="#dff3e4" if decided.review == "confirmed" else "#ffe4e1",
                padding=14,
                border_radius=12,
            ),
            banner(staff.error, error=True),
            panel(
                text(v.site, 22, ft.FontWeight.BOLD),
                text(staff.tr("staff.by", planner=v.planner), 17, color=MUTED),
                text(v.when, 18),
                ft.Row([chip(decided.review, staff.tr(f"status.{decided.review}"))]),
            ),
        )
    return column(
        text(staff.tr("staff.position", n=staff.position(), total=len(staff.queue)), 16, color=MUTED),
        banner(staff.notice),
        panel(
            text(v.site, 22, ft.FontWeight.BOLD),
            text(staff.tr("staff.by", planner=v.planner), 17, color=MUTED),
            text(v.when, 18),
            text(v.duration, 18, ft.FontWeight.BOLD, color=ACCENT),
            _flag_chips(v) or ft.Row([chip("confirmed", staff.tr("staff.no_flags"))]),
        ),
        # Rejecting turns the screen into the rejection form; otherwise a flagged visit asks for its reason.
        text_field(staff.tr("staff.reject_reason"), draft.reason, setter("reason"), multiline=True)
        if staff.rejecting
        else None,
        text(staff.tr("staff.reason_code"), 18, ft.FontWeight.BOLD) if confirming_flagged else None,
        ft.Row(
            [
                choice_button(
                    label, staff.reason_code == code, lambda _, c=code: staff.pick_reason(c), size=16
                )
                for code, label in staff.reason_choices()
            ],
            wrap=True,
            spacing=6,
            run_spacing=6,
        )
        if confirming_flagged
        else None,
        text_field(staff.tr("staff.note"), draft.note, setter("note")) if confirming_flagged else None,
        banner(staff.error, error=True),
        location,
        text(staff.tr("visit.photos", count=len(v.photos)), 17, ft.FontWeight.BOLD),
        ft.Row(photos, wrap=True, spacing=8) if photos else None,
        text(staff.tr("staff.photos_missing", count=v.photos_missing), 16, color=ERR)
        if v.photos_missing
        else None,
        panel(
            text(staff.tr("field.participants"), 15, color=MUTED),
            text(v.participants or "—", 17),
            text(staff.tr("field.notes"), 15, color=MUTED),
            text(v.notes or "—", 17),
        ),
    )


def decision_bar(staff: StaffState) -> ft.Control:
    """Reject and confirm (while rejecting: cancel and send back; once decided: undo and next), at the
    bottom of the screen above the tabs."""

    async def confirm(_: Any) -> None:
        await staff.confirm(staff.draft.note)

    async def send_back(_: Any) -> None:
        await staff.reject(staff.draft.reason)

    async def undo(_: Any) -> None:
        await staff.undo()

    if staff.decision() is not None:
        secondary = button(staff.tr("staff.undo"), undo, icon=ft.Icons.UNDO)
        primary = big_button(
            staff.tr("staff.next"), lambda _: staff.next_visit(), icon=ft.Icons.ARROW_FORWARD
        )
    elif staff.rejecting:
        secondary = button(staff.tr("cancel"), lambda _: staff.stop_rejecting(), icon=ft.Icons.CLOSE)
        primary = big_button(staff.tr("staff.reject_send"), send_back, icon=ft.Icons.UNDO)
    else:
        secondary = button(staff.tr("staff.reject"), lambda _: staff.start_rejecting(), icon=ft.Icons.UNDO)
        primary = big_button(staff.tr("staff.confirm"), confirm, icon=ft.Icons.CHECK_CIRCLE)
    return ft.Container(
        ft.Row(
            [ft.Container(secondary, expand=2), ft.Container(primary, expand=3)],
            spacing=10,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        bgcolor=BAR_BG,
        padding=ft.Padding.symmetric(horizontal=10, vertical=10),
        border_radius=14,
    )
