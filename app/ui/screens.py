"""The screens as Flet components (declarative). Handlers stay thin: they call `AppState` methods.

Phone-first: one column 390 px wide, touch targets at least 48 px (main actions 60 px), dark text on
white for outdoor light, the bundled CJK font as the theme font.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import flet as ft
import flet_geolocator as ftg

from app.i18n import fmt_hours, fmt_time
from app.ui.state import AppState, Fix
from shared import records as rec
from shared import rules

log = logging.getLogger(__name__)

FONT = "cjk"  # the bundled CJK font (app.main); explicit TextStyles must name it too
TOUCH = 56  # px: comfortably above the 48 px minimum for a thumb outdoors
BIG = 64
INK = ft.Colors.BLACK
MUTED = "#3a3a3a"  # still > 10:1 on white
ACCENT = "#0b4f9c"
WARN_BG = "#fff1c2"
ERR = "#b00020"
STATUS_COLORS = {
    "saved": ("#e8e8e8", INK),
    "photos": ("#fff1c2", INK),
    "synced": ("#d7ecff", INK),
    "confirmed": ("#cfeed6", "#0a4d1c"),
    "rejected": ("#ffd9d6", ERR),
    "conflict": ("#ffd9d6", ERR),
    "invalid": ("#ffd9d6", ERR),
}


R = TypeVar("R")


def logged(fn: Callable[..., R]) -> Callable[..., R]:
    """Log a render's exception before Flet gets it: Flet's update scheduler stops for the whole session on an
    exception from a component and says nothing, so the screen would freeze without a trace."""

    @functools.wraps(fn)
    def render(*args: Any, **kwargs: Any) -> R:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("rendering %s failed", fn.__name__)
            raise

    return render


def signed_in(fn: Callable[..., ft.Control]) -> Callable[..., ft.Control]:
    """For screens that read the phone's store. Every screen re-renders by itself when `AppState` changes, in
    no set order with `App`; right after sign-out (no store) it renders nothing and `App` replaces it."""

    @functools.wraps(fn)
    def render(state: AppState, *args: Any, **kwargs: Any) -> ft.Control:
        if state.store is None:
            return ft.Container()
        return fn(state, *args, **kwargs)

    return logged(render)


@dataclass
class Services:
    """Per-session device services and where a picked photo goes."""

    page: ft.Page
    geolocator: ftg.Geolocator
    picker: ft.FilePicker
    upload_dir: Path | None
    upload_prefix: str = field(default_factory=lambda: secrets.token_hex(8))
    photo_target: tuple[str, str | None] = ("visit", None)
    fix_timeout_s: float = float(os.environ.get("FIELDLOG_GPS_TIMEOUT", "8"))

    async def get_fix(self) -> Fix | None:
        """One GPS fix, or None when the phone gives none in time (then the planner names the place)."""
        try:
            pos = await asyncio.wait_for(
                self.geolocator.get_current_position(
                    ftg.GeolocatorConfiguration(accuracy=ftg.GeolocatorPositionAccuracy.HIGH)
                ),
                timeout=self.fix_timeout_s,
            )
        except Exception as exc:  # no permission, no signal, timeout: all mean "no fix"
            log.info("no GPS fix: %r", exc)
            return None
        if pos is None or pos.latitude is None or pos.longitude is None:
            return None
        return Fix(float(pos.latitude), float(pos.longitude), float(pos.accuracy) if pos.accuracy else None)


def _text(value: str, size: int = 18, weight: ft.FontWeight | None = None, color: str = INK) -> ft.Text:
    return ft.Text(value, size=size, weight=weight, color=color)


def _big_button(
    label: str,
    on_click: Any = None,
    *,
    icon: Any = None,
    key: str | None = None,
    action: Any = None,
    primary: bool = True,
) -> ft.Control:
    style = ft.ButtonStyle(
        text_style=ft.TextStyle(size=20, weight=ft.FontWeight.BOLD, font_family=FONT),
        shape=ft.RoundedRectangleBorder(radius=12),
        padding=ft.Padding.symmetric(horizontal=16, vertical=8),
    )
    if primary:
        style.bgcolor = ACCENT
        style.color = ft.Colors.WHITE
    cls = ft.FilledButton if primary else ft.OutlinedButton
    return cls(
        content=label,
        icon=icon,
        on_click=on_click,
        action=action,
        height=BIG,
        width=float("inf"),
        style=style,
        key=key,
    )


def _button(label: str, on_click: Any = None, *, icon: Any = None, action: Any = None) -> ft.Control:
    return ft.OutlinedButton(
        content=label,
        icon=icon,
        on_click=on_click,
        action=action,
        height=TOUCH,
        style=ft.ButtonStyle(
            text_style=ft.TextStyle(size=18, font_family=FONT),
            color=ACCENT,
            side=ft.BorderSide(1.5, ACCENT),
            shape=ft.RoundedRectangleBorder(radius=12),
        ),
    )


def _field(
    label: str,
    value: str | None,
    on_change: Any,
    *,
    multiline: bool = False,
    password: bool = False,
    disabled: bool = False,
    read_only: bool = False,
    hint: str | None = None,
    on_blur: Any = None,
) -> ft.TextField:
    return ft.TextField(
        label=label,
        value=value or "",
        on_change=on_change,
        on_blur=on_blur,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=8 if multiline else 1,
        password=password,
        can_reveal_password=password,
        disabled=disabled,
        read_only=read_only,
        hint_text=hint,
        text_size=18,
        label_style=ft.TextStyle(size=16, color=MUTED, font_family=FONT),
        border_color=MUTED,
        border_width=1.5,
        content_padding=ft.Padding.symmetric(horizontal=14, vertical=16),
    )


def _banner(text: str | None, *, error: bool = False) -> ft.Control | None:
    if not text:
        return None
    return ft.Container(
        content=_text(text, 17, color=ERR if error else INK),
        bgcolor="#ffe4e1" if error else WARN_BG,
        padding=12,
        border_radius=10,
    )


def _card(*controls: ft.Control | None) -> ft.Container:
    return ft.Container(
        content=ft.Column([c for c in controls if c is not None], spacing=6),
        padding=16,
        border_radius=14,
        bgcolor="#f4f6fa",
        border=ft.Border.all(1, "#c9d1dc"),
    )


def _chip(code: str, text: str) -> ft.Container:
    bg, fg = STATUS_COLORS.get(code, ("#e8e8e8", INK))
    return ft.Container(
        content=ft.Text(text, size=16, weight=ft.FontWeight.BOLD, color=fg),
        bgcolor=bg,
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        border_radius=8,
    )


def _stack(controls: list[ft.Control | None], spacing: int = 6) -> ft.Column:
    """A column that skips the parts a screen leaves out (None): Flutter draws a grey error box for them."""
    return ft.Column([c for c in controls if c is not None], spacing=spacing)


def _column(*controls: ft.Control | None) -> ft.Column:
    return ft.Column(
        [c for c in controls if c is not None], spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )


# --- screens -------------------------------------------------------------------------------------------


@ft.component
@logged
def SignInScreen(state: AppState, services: Services) -> ft.Control:
    remembered = state.remembered()
    form: Any = ft.use_ref(
        lambda: {
            "server": (remembered or {}).get("server") or state.default_server,
            "username": (remembered or {}).get("username") or "",
            "password": "",
        }
    )
    values: dict[str, str] = form.current or {}
    busy, set_busy = ft.use_state(False)

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            values[key] = e.control.value or ""

        return on_change

    async def submit(_: Any = None) -> None:
        from app.ui.state import login_with_districts

        set_busy(True)
        server, user, password = values["server"], values["username"], values["password"]
        outcome: list[Any] = []

        def attempt() -> None:
            try:
                outcome.append(login_with_districts(server.strip().rstrip("/"), user.strip(), password))
            except Exception as exc:
                outcome.append(exc)

        if server.strip() and user.strip() and password:
            await asyncio.to_thread(attempt)

        def replay(*_: Any) -> Any:
            if isinstance(outcome[0], BaseException):
                raise outcome[0]
            return outcome[0]

        state.sign_in(server, user, password, login=replay)
        set_busy(False)

    return _column(
        _text(state.tr("signin.title"), 28, ft.FontWeight.BOLD),
        _text(
            state.tr("signin.remembered", user=remembered["username"], server=remembered["server"]),
            16,
            color=MUTED,
        )
        if remembered
        else None,
        _field(state.tr("signin.server"), values["server"], setter("server")),
        _field(state.tr("signin.username"), values["username"], setter("username")),
        _field(state.tr("signin.password"), values["password"], setter("password"), password=True),
        _banner(state.error, error=True),
        ft.ProgressBar() if busy else None,
        _big_button(state.tr("signin.submit"), submit, icon=ft.Icons.LOGIN, key="signin"),
    )


def _invitation(state: AppState, item: Any) -> ft.Control:
    """One invitation: what, when, where, and accept/decline (answered offline, sent with the next sync)."""
    if item.answer:
        answer: ft.Control = _chip(
            "saved" if item.waiting else "confirmed",
            state.tr(f"invitation.{item.answer}")
            if item.waiting
            else state.tr(f"activity.response.{item.answer}"),
        )
    else:
        answer = ft.Row(
            [
                ft.Container(
                    _button(
                        state.tr("invitation.accept"),
                        lambda _: state.answer_invitation(item.id, "accepted"),
                        icon=ft.Icons.CHECK,
                    ),
                    expand=True,
                ),
                ft.Container(
                    _button(
                        state.tr("invitation.decline"),
                        lambda _: state.answer_invitation(item.id, "declined"),
                        icon=ft.Icons.CLOSE,
                    ),
                    expand=True,
                ),
            ],
            spacing=8,
        )
    return _stack(
        [
            _text(item.title, 18, ft.FontWeight.BOLD),
            _text(f"{item.when} · {item.place}" if item.place else item.when, 16, color=MUTED),
            answer,
        ]
    )


@ft.component
@signed_in
def HomeScreen(state: AppState, services: Services, revision: int) -> ft.Control:
    s = state.home_summary()

    async def check_in(_: Any) -> None:
        fix = await services.get_fix()
        state.check_in(fix)

    if s.open_visit_id:
        visit_id = s.open_visit_id
        main_action = _big_button(
            state.tr("home.open_visit", site=s.open_visit_site or ""),
            lambda _: state.open_visit_screen(visit_id),
            icon=ft.Icons.PLAY_ARROW,
        )
    else:
        main_action = _big_button(state.tr("home.check_in"), check_in, icon=ft.Icons.PIN_DROP)

    hours_line = state.tr(
        "home.hours", confirmed=fmt_hours(s.hours_confirmed), pending=fmt_hours(s.hours_pending)
    )
    invitations = [_invitation(state, item) for item in state.invitation_items()] or [
        _text(state.tr("home.no_invitations"), 17, color=MUTED)
    ]
    return _column(
        _text(state.tr("home.greeting", name=state.display_name), 22, ft.FontWeight.BOLD),
        _banner(state.notice),
        _card(
            _text(state.tr("home.progress_title", year=s.year), 18, color=MUTED),
            _text(state.progress_text(s), 34, ft.FontWeight.BOLD, color=ACCENT),
            _text(state.tr("home.pending", pending=s.visits_pending), 18),
            _text(hours_line, 17),
        ),
        main_action,
        ft.Row(
            [
                ft.Container(
                    _button(
                        state.tr("home.new_opinion"), lambda _: state.new_opinion(), icon=ft.Icons.EDIT_NOTE
                    ),
                    expand=True,
                ),
                ft.Container(
                    _button(
                        state.tr("home.new_feedback"),
                        lambda _: state.new_feedback(),
                        icon=ft.Icons.RECORD_VOICE_OVER,
                    ),
                    expand=True,
                ),
            ],
            spacing=10,
        ),
        _banner(state.tr("home.conflicts", count=s.conflicts), error=True) if s.conflicts else None,
        _card(_text(state.tr("home.invitations"), 18, ft.FontWeight.BOLD), *invitations),
        _card(
            _text(state.tr("home.outbox", count=s.outbox) if s.outbox else state.tr("home.outbox_empty"), 18),
            _text(state.last_sync_text(), 17, color=MUTED),
        ),
    )


def _photo_strip(state: AppState, shas: list[str]) -> ft.Control | None:
    if not shas:
        return None
    thumbs: list[ft.Control] = []
    for sha in shas:
        path = state.store.thumb_path(sha)
        try:
            data = Path(path).read_bytes()
        except (OSError, TypeError):
            continue
        thumbs.append(ft.Image(src=data, width=96, height=96, fit=ft.BoxFit.COVER, border_radius=8))
    return ft.Row(thumbs, wrap=True, spacing=8)


@ft.component
@signed_in
def VisitScreen(state: AppState, services: Services, revision: int) -> ft.Control:
    draft: Any = ft.use_ref(lambda: {})
    visit = state.current_visit()

    if visit is None:
        place: dict[str, str] = draft.current

        def set_place(e: ft.Event[ft.TextField]) -> None:
            place["site"] = e.control.value or ""

        async def retry_fix(_: Any) -> None:
            fix = await services.get_fix()
            state.check_in(fix, place.get("site"))

        return _column(
            _text(state.tr("visit.title"), 26, ft.FontWeight.BOLD),
            _banner(state.tr("visit.no_fix")),
            _field(state.tr("field.site"), place.get("site"), set_place),
            _banner(state.field_error, error=True),
            _big_button(
                state.tr("visit.check_in_here"),
                lambda _: state.check_in(None, place.get("site")),
                icon=ft.Icons.PIN_DROP,
            ),
            _button(state.tr("visit.locating"), retry_fix, icon=ft.Icons.GPS_FIXED),
        )

    d = visit.data
    edits: dict[str, str] = draft.current
    services.photo_target = (rec.VISIT, visit.id)

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            edits[key] = e.control.value or ""

        return on_change

    def save_edits(_: Any = None) -> None:
        # Only an open visit saves as you go; a rejected one waits for "fix and resend".
        if edits and d.get("ended_at") is None:
            state.update_visit(**edits)

    def check_out(_: Any) -> None:
        if state.check_out(**edits) is not None:
            edits.clear()

    if d.get("lat") is not None:
        acc = f"{d['accuracy_m']:.0f}" if d.get("accuracy_m") is not None else "?"
        where: ft.Control = _text(
            state.tr("visit.fix", lat=f"{d['lat']:.5f}", lon=f"{d['lon']:.5f}", acc=acc), 16, color=MUTED
        )
    else:
        where = _chip("photos", state.tr("visit.no_fix_badge"))
    ended = d.get("ended_at")
    started = fmt_time(d["started_at"], state.lang, state.tz)
    times: list[ft.Control] = [_text(state.tr("visit.started", time=started), 18)]
    if ended:
        times.append(_text(state.tr("visit.ended", time=fmt_time(ended, state.lang, state.tz)), 18))
        times.append(
            _text(
                state.tr("visit.hours", hours=fmt_hours(rules.visit_hours(d["started_at"], ended))),
                22,
                ft.FontWeight.BOLD,
                color=ACCENT,
            )
        )
    else:
        times.append(_chip("synced", state.tr("visit.running")))
    open_ = ended is None
    rejection = state.rejection(visit)
    editable = open_ or rejection is not None
    photos = list(d.get("photos") or [])

    def resend(_: Any) -> None:
        if state.update_visit(**edits):
            edits.clear()
            state.notice = state.tr("records.resent")

    return _column(
        _text(state.tr("visit.title"), 26, ft.FontWeight.BOLD),
        _banner(state.notice),
        _banner(state.tr("records.reason", reason=rejection), error=True) if rejection else None,
        _banner(state.tr("visit.overnight"), error=True) if state.visit_overnight(visit) else None,
        _card(*times, where),
        _field(
            state.tr("field.site"),
            edits.get("site", d.get("site")),
            setter("site"),
            read_only=not editable,
            on_blur=save_edits,
        ),
        _field(
            state.tr("field.participants"),
            edits.get("participants", d.get("participants")),
            setter("participants"),
            read_only=not editable,
            on_blur=save_edits,
        ),
        _field(
            state.tr("field.notes"),
            edits.get("notes", d.get("notes")),
            setter("notes"),
            multiline=True,
            read_only=not editable,
            on_blur=save_edits,
        ),
        _text(state.tr("visit.photos", count=len(photos)), 17),
        _photo_strip(state, photos),
        _text(state.tr("visit.photo_uploading"), 16, color=MUTED) if state.photo_busy else None,
        _button(
            state.tr("visit.add_photo"),
            icon=ft.Icons.ADD_A_PHOTO,
            action=ft.PickFiles(services.picker, file_type=ft.FilePickerFileType.IMAGE),
        )
        if open_
        else None,
        _banner(state.field_error, error=True),
        _big_button(state.tr("visit.check_out"), check_out, icon=ft.Icons.LOGOUT)
        if open_
        else _big_button(state.tr("records.fix"), resend, icon=ft.Icons.SEND)
        if rejection is not None
        else _button(
            state.tr("visit.write_opinion"), lambda _: state.new_opinion(visit.id), icon=ft.Icons.EDIT_NOTE
        ),
    )


def _dropdown(label: str, value: str, options: list[tuple[str, str]], on_select: Any) -> ft.Dropdown:
    return ft.Dropdown(
        label=label,
        value=value,
        options=[ft.DropdownOption(key=k, text=v) for k, v in options],
        on_select=on_select,
        text_size=18,
        expand=True,
        width=float("inf"),
    )


@ft.component
@signed_in
def OpinionScreen(state: AppState, services: Services, revision: int) -> ft.Control:
    form = state.opinion

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[Any]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def set_visit(e: ft.Event[ft.Dropdown]) -> None:
        form.visit_id = None if e.control.value in (None, "", "-") else e.control.value

    visits = [("-", state.tr("opinion.standalone")), *state.visit_choices()]
    return _column(
        _text(state.tr("opinion.title"), 26, ft.FontWeight.BOLD),
        _dropdown(state.tr("field.visit_id"), form.visit_id or "-", visits, set_visit),
        _field(state.tr("field.subject"), form.subject, setter("subject")),
        _dropdown(
            state.tr("field.opinion_kind"),
            form.opinion_kind,
            [(k, state.tr(f"opinion_kind.{k}")) for k in rec.OPINION_KINDS],
            setter("opinion_kind"),
        ),
        _field(state.tr("field.body"), form.body, setter("body"), multiline=True),
        _field(state.tr("field.suggestions"), form.suggestions, setter("suggestions"), multiline=True),
        _field(
            state.tr("field.required_changes"),
            form.required_changes,
            setter("required_changes"),
            multiline=True,
        ),
        _field(state.tr("field.dissent"), form.dissent, setter("dissent"), multiline=True),
        _banner(state.field_error, error=True),
        _big_button(state.tr("save"), lambda _: state.save_opinion(), icon=ft.Icons.SAVE),
    )


@ft.component
@signed_in
def FeedbackScreen(state: AppState, services: Services, revision: int) -> ft.Control:
    form = state.feedback
    consent, set_consent = ft.use_state(form.contact_consent)
    services.photo_target = (rec.FEEDBACK, form.record_id)

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[Any]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def toggle_consent(e: ft.Event[ft.Checkbox]) -> None:
        form.contact_consent = bool(e.control.value)
        set_consent(form.contact_consent)

    return _column(
        _text(state.tr("feedback.title"), 26, ft.FontWeight.BOLD),
        _banner(state.notice),
        _field(state.tr("field.place"), form.place, setter("place")),
        _dropdown(
            state.tr("field.category"),
            form.category,
            [(k, state.tr(f"category.{k}")) for k in rec.FEEDBACK_CATEGORIES],
            setter("category"),
        ),
        _field(state.tr("field.content"), form.content, setter("content"), multiline=True),
        _text(state.tr("visit.photos", count=len(form.photos)), 17),
        _photo_strip(state, form.photos),
        _button(
            state.tr("visit.add_photo"),
            icon=ft.Icons.ADD_A_PHOTO,
            action=ft.PickFiles(services.picker, file_type=ft.FilePickerFileType.IMAGE),
        ),
        ft.Container(
            # The checkbox keeps Material's 48 px tap target; a fixed height on it squeezed the label.
            ft.Checkbox(
                label=state.tr("field.contact_consent"),
                value=consent,
                on_change=toggle_consent,
                label_style=ft.TextStyle(size=18, font_family=FONT),
            ),
            padding=ft.Padding.symmetric(vertical=4),
        ),
        _field(
            state.tr("field.contact"),
            form.contact,
            setter("contact"),
            disabled=not consent,
            hint=state.tr("feedback.contact_hint"),
        ),
        _banner(state.field_error, error=True),
        _big_button(state.tr("save"), lambda _: state.save_feedback(), icon=ft.Icons.SAVE),
    )


@ft.component
@signed_in
def RecordsScreen(state: AppState, services: Services, revision: int) -> ft.Control:
    items = state.record_items()
    rows: list[ft.Control] = []
    for item in items:
        kind, rid = item.kind, item.id
        rows.append(
            ft.Container(
                content=_stack(
                    [
                        _text(item.title, 18, ft.FontWeight.BOLD),
                        _text(item.subtitle, 16, color=MUTED),
                        ft.Row(
                            [
                                _chip(item.status_code, item.status_text),
                                *(_chip("photos", flag) for flag in item.flags),
                            ],
                            wrap=True,
                        ),
                        _text(state.tr("records.reason", reason=item.reason), 16, color=ERR)
                        if item.reason
                        else None,
                        _button(
                            state.tr("records.fix"),
                            lambda _, k=kind, i=rid: state.fix_record(k, i),
                            icon=ft.Icons.BUILD,
                        )
                        if item.can_fix
                        else None,
                    ]
                ),
                padding=14,
                border_radius=12,
                bgcolor="#f4f6fa",
                border=ft.Border.all(1, "#c9d1dc"),
                on_click=(lambda _, i=rid: state.open_visit_screen(i)) if kind == rec.VISIT else None,
                ink=kind == rec.VISIT,
            )
        )
    return _column(
        _text(state.tr("records.title"), 26, ft.FontWeight.BOLD),
        _banner(state.notice),
        *(rows or [_text(state.tr("records.empty"), 18, color=MUTED)]),
    )


@ft.component
@signed_in
def SyncScreen(state: AppState, services: Services, sync: Any, revision: int) -> ft.Control:
    conflicts = state.conflict_items()

    async def sync_now(_: Any) -> None:
        await run_sync(state, services)

    conflict_cards: list[ft.Control] = [
        _card(
            _text(label, 17),
            ft.Row(
                [
                    ft.Container(
                        _button(state.tr("sync.keep_mine"), lambda _, r=rid: state.resolve(r, True)),
                        expand=True,
                    ),
                    ft.Container(
                        _button(state.tr("sync.keep_server"), lambda _, r=rid: state.resolve(r, False)),
                        expand=True,
                    ),
                ]
            ),
        )
        for rid, label in conflicts
    ] or [_text(state.tr("sync.no_conflicts"), 17, color=MUTED)]
    waiting = state.waiting_items()
    offset = state.store.clock_offset_s()
    return _column(
        _text(state.tr("sync.title"), 26, ft.FontWeight.BOLD),
        _text(state.tr("sync.auto"), 16, color=MUTED),
        _big_button(
            state.tr("sync.running") if sync.running else state.tr("sync.now"), sync_now, icon=ft.Icons.SYNC
        ),
        ft.ProgressBar(
            value=sync.fraction() if sync.running else 1.0 if sync.last_finished_at else 0.0,
            bar_height=10,
            color=ACCENT,
            bgcolor="#dde3ea",
        ),
        # Always one line, so nothing below jumps while a sync starts and ends under the planner's thumb.
        ft.Container(
            _text(sync.progress_text(state.lang) if sync.running and sync.phase else "", 17),
            height=28,
        ),
        _card(
            _text(state.tr("sync.waiting", count=len(waiting)), 18),
            *[_text(f"· {item.title} ({item.status_text})", 16, color=MUTED) for item in waiting[:8]],
            _text(state.storage_text(), 16, color=MUTED),
            _text(state.last_sync_text(), 17, color=MUTED),
            _text(state.tr("sync.clock", seconds=f"{offset:.0f}"), 16, color=MUTED)
            if offset is not None and abs(offset) >= 60
            else None,
        ),
        _banner(state.tr("sync.last_error", error=sync.last_error), error=True)
        if sync.last_error
        else _text(state.tr("sync.no_error"), 17, color=MUTED),
        _text(state.tr("sync.conflicts"), 20, ft.FontWeight.BOLD),
        *conflict_cards,
        _button(state.tr("signout"), lambda _: state.sign_out(), icon=ft.Icons.LOGOUT),
    )


async def run_sync(state: AppState, services: Services) -> None:
    """Run one sync in a worker thread; its progress is applied on the UI loop."""
    if state.store is None or state.sync.running:
        return
    loop = asyncio.get_running_loop()

    def post(fn: Any) -> None:
        loop.call_soon_threadsafe(fn)

    await asyncio.to_thread(state.run_sync, post)


NAV = ("home", "records", "sync")


@ft.component
@logged
def App(state: AppState, services: Services) -> list[ft.View]:
    screen = state.screen
    rev = state.revision
    if screen == "signin" or state.store is None:
        body: ft.Control = SignInScreen(state, services)
    elif screen == "home":
        body = HomeScreen(state, services, rev)
    elif screen == "visit":
        body = VisitScreen(state, services, rev, key=f"visit-{state.visit_id}")  # type: ignore[call-arg]
    elif screen == "opinion":
        body = OpinionScreen(state, services, rev, key=f"opinion-{id(state.opinion)}")  # type: ignore[call-arg]
    elif screen == "feedback":
        body = FeedbackScreen(state, services, rev, key=f"feedback-{id(state.feedback)}")  # type: ignore[call-arg]
    elif screen == "records":
        body = RecordsScreen(state, services, rev)
    else:
        body = SyncScreen(state, services, state.sync, rev)

    def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        state.go(NAV[int(e.control.selected_index)])

    signed_in = state.store is not None and screen != "signin"
    nav = (
        ft.NavigationBar(
            selected_index=NAV.index(screen) if screen in NAV else 0,
            on_change=on_nav,
            destinations=[
                ft.NavigationBarDestination(icon=ft.Icons.HOME, label=state.tr("nav.home")),
                ft.NavigationBarDestination(icon=ft.Icons.LIST_ALT, label=state.tr("nav.records")),
                ft.NavigationBarDestination(icon=ft.Icons.SYNC, label=state.tr("nav.sync")),
            ],
            bgcolor="#eef1f6",
            indicator_color="#c7dcf7",
        )
        if signed_in
        else None
    )
    back = (
        # Labelled, not a bare icon: screen readers (and the browser tests) find it by its name.
        ft.TextButton(
            content=ft.Text(state.tr("back"), size=18, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
            icon=ft.Icons.ARROW_BACK,
            icon_color=ft.Colors.WHITE,
            on_click=lambda _: state.go("home"),
            height=TOUCH,
        )
        if signed_in and screen not in NAV
        else None
    )
    appbar = ft.AppBar(
        leading=back,
        leading_width=110 if back else None,
        automatically_imply_leading=False,
        title=ft.Text(state.tr("app.title"), size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
        bgcolor=ACCENT,
        actions=[
            ft.TextButton(
                content=ft.Text(state.tr("lang.switch"), size=18, color=ft.Colors.WHITE),
                on_click=lambda _: state.toggle_lang(),
                height=TOUCH,
            )
        ],
    )
    return [
        ft.View(
            key=f"view-{screen}",  # each screen opens at its top, with fresh scroll state
            route="/",
            appbar=appbar,
            navigation_bar=nav,
            controls=[body],
            scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.symmetric(horizontal=16, vertical=14),
            bgcolor=ft.Colors.WHITE,
        )
    ]


async def handle_picked(state: AppState, services: Services, e: ft.FilePickerResultEvent) -> None:
    """A photo was chosen: read it (path on phones, upload on the web), prepare and attach it."""
    files = list(e.files or [])
    if not files:
        return
    kind, record_id = services.photo_target
    uploads = []
    for f in files:
        if f.path:
            state.add_photo(kind, record_id, await asyncio.to_thread(Path(f.path).read_bytes))
        elif f.bytes:
            state.add_photo(kind, record_id, f.bytes)
        else:
            name = f"{services.upload_prefix}/{secrets.token_hex(6)}-{os.path.basename(f.name)}"
            uploads.append(
                ft.FilePickerUploadFile(upload_url=services.page.get_upload_url(name, 600), id=f.id)
            )
            pending_uploads[(services.upload_prefix, f.name)] = (name, kind, record_id)
    if uploads:
        state.photo_busy = True
        await services.picker.upload(uploads)


pending_uploads: dict[tuple[str, str], tuple[str, str, str | None]] = {}


def handle_uploaded(state: AppState, services: Services, e: ft.FilePickerUploadEvent) -> None:
    """An upload to the web server finished: the web server plays the phone, the file is the original."""
    if e.error:
        state.photo_busy = False
        state.field_error = state.tr("error.photo")
        return
    if e.progress is None or e.progress < 1.0:
        return
    entry = pending_uploads.pop((services.upload_prefix, e.file_name), None)
    if entry is None or services.upload_dir is None:
        return
    name, kind, record_id = entry
    path = services.upload_dir / name
    try:
        raw = path.read_bytes()
        state.add_photo(kind, record_id, raw)
    finally:
        # The original is never kept: only the prepared, EXIF-free copy stays in the store.
        with contextlib.suppress(OSError):
            path.unlink()
        state.photo_busy = False
