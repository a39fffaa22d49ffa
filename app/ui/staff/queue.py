"""The review queue: visits waiting for district staff, one visit at a time, confirm or send back.

Built for speed: a decision takes one tap (two for a flagged visit: the reason code, then confirm), and the
next visit opens by itself. One visit fills the phone: the decisions sit in the bar at the bottom, within
thumb reach. A refusal from the server is shown in plain words naming the field, and nothing moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import Refused, ServerError
from app.i18n import fmt_hours, fmt_time
from app.ui.mapview import points_map
from app.ui.staff.base import StaffBase
from app.ui.theme import ACCENT, BAR_BG, ERR, MUTED
from app.ui.widgets import (
    banner,
    big_button,
    button,
    chip,
    choice_button,
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

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


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
            await self.refresh_queue()
        except ServerError as exc:
            self._fail(exc)
            return False
        finally:
            self.busy = False
        return True

    async def refresh_queue(self) -> None:
        self.queue = await self.client.review_queue(self.district_id, "pending")
        self.current_id = self.queue[0]["id"] if self.queue else None
        self.reason_code = None

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
        )

    def queue_views(self) -> list[VisitView]:
        return [self.view(v) for v in self.queue]

    def current(self) -> VisitView | None:
        for v in self.queue:
            if v["id"] == self.current_id:
                return self.view(v)
        return None

    def position(self) -> int:
        """Where the visit on screen is in the queue, from 1."""
        return next((i for i, v in enumerate(self.queue) if v["id"] == self.current_id), 0) + 1

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

    def _advance(self, decided_id: str, notice: str) -> None:
        """Drop the decided visit and open the next one, so clearing a queue is tap, tap, tap."""
        index = next((i for i, v in enumerate(self.queue) if v["id"] == decided_id), 0)
        self.queue = [v for v in self.queue if v["id"] != decided_id]
        self.decided += 1
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        self.error = None
        self.notice = notice
        if self.queue:
            self.current_id = self.queue[min(index, len(self.queue) - 1)]["id"]
        else:
            self.current_id = None
            self.screen = "queue"  # which says the queue is empty

    async def confirm(self, note: str | None = None) -> bool:
        """Confirm the visit on screen; a flagged one needs the reason code chosen first."""
        v = self.current()
        if v is None:
            return False
        if v.flagged and not self.reason_code:
            self.error = self.tr("staff.reason_needed")
            return False
        try:
            await self.client.confirm(
                v.id, self.reason_code if v.flagged else None, (note or "").strip() or None
            )
        except ServerError as exc:
            if isinstance(exc, Refused) and exc.field in ("reason_code", "note"):
                self.error = self.tr(f"staff.refused.{exc.field}", detail=exc.detail)
            else:
                self._fail(exc)
            return False
        self._advance(v.id, self.tr("staff.confirmed", site=v.site))
        return True

    async def reject(self, reason: str) -> bool:
        v = self.current()
        if v is None:
            return False
        if not reason.strip():
            self.error = self._required("staff.reject_reason")
            return False
        try:
            await self.client.reject(v.id, reason.strip())
        except ServerError as exc:
            self._fail(exc)
            return False
        self._advance(v.id, self.tr("staff.rejected", site=v.site))
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
        ft.ProgressBar() if staff.busy else None,
        big_button(staff.tr("staff.start"), lambda _: staff.open_visit(views[0].id), icon=ft.Icons.PLAY_ARROW)
        if views
        else text(staff.tr("staff.queue_empty"), 18, color=MUTED),
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
                    staff.config.get("tile_url"),
                    staff.config.get("map_crs"),
                    [(float(v.lat), float(v.lon), ERR if "outside_area" in v.flags else ACCENT)],
                    height=200,
                    zoom=15,
                    key=f"map-{v.id}",
                ),
                text(f"{v.lat:.5f}, {v.lon:.5f} {v.accuracy}", 15, color=MUTED),
            ],
            spacing=4,
        )
    else:
        location = chip("photos", staff.tr("visit.no_fix_badge"))
    photos = [RemotePhoto(staff, sha, key=f"photo-{sha}") for sha in v.photos]  # type: ignore[call-arg]
    confirming_flagged = v.flagged and not staff.rejecting
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


def decision_bar(staff: StaffState) -> ft.BottomAppBar:
    """Reject and confirm (or, while rejecting: cancel and send back), pinned to the bottom of the screen."""

    async def confirm(_: Any) -> None:
        await staff.confirm(staff.draft.note)

    async def send_back(_: Any) -> None:
        await staff.reject(staff.draft.reason)

    if staff.rejecting:
        secondary = button(staff.tr("cancel"), lambda _: staff.stop_rejecting(), icon=ft.Icons.CLOSE)
        primary = big_button(staff.tr("staff.reject_send"), send_back, icon=ft.Icons.UNDO)
    else:
        secondary = button(staff.tr("staff.reject"), lambda _: staff.start_rejecting(), icon=ft.Icons.UNDO)
        primary = big_button(staff.tr("staff.confirm"), confirm, icon=ft.Icons.CHECK_CIRCLE)
    return ft.BottomAppBar(
        content=ft.Row(
            [ft.Container(secondary, expand=2), ft.Container(primary, expand=3)],
            spacing=10,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        bgcolor=BAR_BG,
        height=96,
        padding=ft.Padding.symmetric(horizontal=14, vertical=12),
    )
