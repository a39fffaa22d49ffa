"""District staff screens (declarative Flet components): the review queue, one visit, activities, follow-up.

Handlers are thin: they call `StaffState` methods. One visit fills the phone: the decision buttons sit at
the bottom within thumb reach, and after each decision the next visit opens by itself.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.ui.mapview import points_map
from app.ui.screens import (
    ACCENT,
    ERR,
    MUTED,
    _banner,
    _big_button,
    _button,
    _chip,
    _column,
    _dropdown,
    _field,
    _stack,
    _text,
    logged,
)
from app.ui.staff_state import ADOPTION, StaffState, VisitView
from app.ui.widgets import choice_button, choice_row, panel
from shared import rules


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


def _visit_summary(staff: StaffState, v: VisitView) -> list[ft.Control | None]:
    return [
        _text(v.site, 22, ft.FontWeight.BOLD),
        _text(staff.tr("staff.by", planner=v.planner), 17, color=MUTED),
        _text(v.when, 18),
        _text(v.duration, 18, ft.FontWeight.BOLD, color=ACCENT),
        ft.Row([_chip("rejected", label) for label in v.flag_labels], wrap=True, spacing=6)
        if v.flag_labels
        else ft.Row([_chip("confirmed", staff.tr("staff.no_flags"))]),
    ]


@ft.component
@logged
def QueueScreen(staff: StaffState, revision: int) -> ft.Control:
    views = staff.queue_views()
    rows: list[ft.Control] = []
    for v in views:
        rows.append(
            ft.Container(
                content=_stack(
                    [
                        _text(v.site, 19, ft.FontWeight.BOLD),
                        _text(f"{v.planner} · {v.when}", 16, color=MUTED),
                        _text(v.duration, 16),
                        ft.Row([_chip("rejected", label) for label in v.flag_labels], wrap=True, spacing=6)
                        if v.flag_labels
                        else None,
                    ]
                ),
                padding=14,
                border_radius=12,
                bgcolor="#f4f6fa",
                border=ft.Border.all(1, "#c9d1dc"),
                on_click=lambda _, i=v.id: staff.open_visit(i),
                ink=True,
            )
        )

    async def refresh(_: Any) -> None:
        await staff.load()

    district_options = [("-", staff.tr("staff.all_districts"))] + [
        (str(d["id"]), str(d.get("name") or d["id"])) for d in staff.districts
    ]

    async def set_district(e: ft.Event[ft.Dropdown]) -> None:
        staff.district_id = None if e.control.value in (None, "", "-") else int(e.control.value)
        await staff.load()

    return _column(
        _text(staff.tr("staff.queue_title"), 26, ft.FontWeight.BOLD),
        _text(staff.tr("staff.queue_count", count=len(views), decided=staff.decided), 18),
        _banner(staff.notice),
        _banner(staff.error, error=True),
        _dropdown(
            staff.tr("field.district_id"),
            str(staff.district_id) if staff.district_id is not None else "-",
            district_options,
            set_district,
        )
        if len(staff.districts) > 1
        else None,
        ft.ProgressBar() if staff.busy else None,
        _big_button(
            staff.tr("staff.start"), lambda _: staff.open_visit(views[0].id), icon=ft.Icons.PLAY_ARROW
        )
        if views
        else _text(staff.tr("staff.queue_empty"), 18, color=MUTED),
        *rows,
        _button(staff.tr("staff.refresh"), refresh, icon=ft.Icons.REFRESH),
    )


@ft.component
@logged
def ReviewScreen(staff: StaffState, revision: int) -> ft.Control:
    """One visit: what, who, when, how long, the flags and (if flagged) the reason, then the evidence.

    The decision buttons sit in the bar at the bottom (`decision_bar`), under the thumb on every scroll.
    """
    v = staff.current()
    draft = staff.draft
    if v is None:
        return _column(
            _text(staff.tr("staff.queue_empty"), 20), _button(staff.tr("back"), lambda _: staff.go("queue"))
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
                _text(f"{v.lat:.5f}, {v.lon:.5f} {v.accuracy}", 15, color=MUTED),
            ],
            spacing=4,
        )
    else:
        location = _chip("photos", staff.tr("visit.no_fix_badge"))
    photos = [RemotePhoto(staff, sha, key=f"photo-{sha}") for sha in v.photos]  # type: ignore[call-arg]
    confirming_flagged = v.flagged and not staff.rejecting
    position = next((i for i, x in enumerate(staff.queue) if x["id"] == v.id), 0) + 1
    return _column(
        _text(staff.tr("staff.position", n=position, total=len(staff.queue)), 16, color=MUTED),
        _banner(staff.notice),
        panel(*_visit_summary(staff, v)),
        # Rejecting turns the screen into the rejection form; otherwise a flagged visit asks for its reason.
        _field(staff.tr("staff.reject_reason"), draft.reason, setter("reason"), multiline=True)
        if staff.rejecting
        else None,
        _text(staff.tr("staff.reason_code"), 18, ft.FontWeight.BOLD) if confirming_flagged else None,
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
        _field(staff.tr("staff.note"), draft.note, setter("note")) if confirming_flagged else None,
        _banner(staff.error, error=True),
        location,
        _text(staff.tr("visit.photos", count=len(v.photos)), 17, ft.FontWeight.BOLD),
        ft.Row(photos, wrap=True, spacing=8) if photos else None,
        _text(staff.tr("staff.photos_missing", count=v.photos_missing), 16, color=ERR)
        if v.photos_missing
        else None,
        panel(
            _text(staff.tr("field.participants"), 15, color=MUTED),
            _text(v.participants or "—", 17),
            _text(staff.tr("field.notes"), 15, color=MUTED),
            _text(v.notes or "—", 17),
        ),
    )


def decision_bar(staff: StaffState) -> ft.BottomAppBar:
    """Reject and confirm (or, while rejecting: cancel and send back), pinned to the bottom of the screen."""

    async def confirm(_: Any) -> None:
        await staff.confirm(staff.draft.note)

    async def send_back(_: Any) -> None:
        await staff.reject(staff.draft.reason)

    def start_reject(_: Any) -> None:
        staff.rejecting = True
        staff.error = None

    def cancel(_: Any) -> None:
        staff.rejecting = False
        staff.error = None

    if staff.rejecting:
        secondary = _button(staff.tr("cancel"), cancel, icon=ft.Icons.CLOSE)
        primary = _big_button(staff.tr("staff.reject_send"), send_back, icon=ft.Icons.UNDO)
    else:
        secondary = _button(staff.tr("staff.reject"), start_reject, icon=ft.Icons.UNDO)
        primary = _big_button(staff.tr("staff.confirm"), confirm, icon=ft.Icons.CHECK_CIRCLE)
    return ft.BottomAppBar(
        content=ft.Row(
            [ft.Container(secondary, expand=2), ft.Container(primary, expand=3)],
            spacing=10,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        bgcolor="#eef1f6",
        height=96,
        padding=ft.Padding.symmetric(horizontal=14, vertical=12),
    )


@ft.component
@logged
def ActivitiesScreen(staff: StaffState, revision: int) -> ft.Control:
    cards: list[ft.Control] = []
    for a in staff.activities:
        aid = a.get("id")

        async def open_(_: Any, i: Any = aid) -> None:
            await staff.open_activity(i)

        cards.append(
            ft.Container(
                content=_stack(
                    [
                        _text(str(a.get("topic") or ""), 19, ft.FontWeight.BOLD),
                        _text(f"{staff.when(a.get('starts_at'))} · {a.get('place') or ''}", 16, color=MUTED),
                    ]
                ),
                padding=14,
                border_radius=12,
                bgcolor="#f4f6fa",
                border=ft.Border.all(1, "#c9d1dc"),
                on_click=open_,
                ink=True,
            )
        )
    return _column(
        _text(staff.tr("activity.title"), 26, ft.FontWeight.BOLD),
        _banner(staff.notice),
        _banner(staff.error, error=True),
        _big_button(staff.tr("activity.new"), lambda _: staff.new_activity(), icon=ft.Icons.ADD),
        *(cards or [_text(staff.tr("activity.none"), 18, color=MUTED)]),
    )


@ft.component
@logged
def NewActivityScreen(staff: StaffState, revision: int) -> ft.Control:
    form = staff.activity_form

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def toggle(pid: int) -> Any:
        def on_change(_: Any) -> None:
            staff.toggle_invite(pid)

        return on_change

    async def create(_: Any) -> None:
        await staff.create_activity()

    boxes: list[ft.Control] = [
        ft.Checkbox(
            label=str(p.get("display_name") or p["planner_id"]),
            value=int(p["planner_id"]) in form.planner_ids,
            on_change=toggle(int(p["planner_id"])),
            label_style=ft.TextStyle(size=18, font_family="cjk"),
        )
        for p in staff.planners
    ]
    return _column(
        _text(staff.tr("activity.new"), 26, ft.FontWeight.BOLD),
        _field(staff.tr("activity.topic"), form.topic, setter("topic")),
        _field(staff.tr("activity.place"), form.place, setter("place")),
        ft.Row(
            [
                ft.Container(
                    _field(staff.tr("activity.date"), form.date, setter("date"), hint="2026-11-30"), expand=3
                ),
                ft.Container(
                    _field(staff.tr("activity.time"), form.time, setter("time"), hint="09:00"), expand=2
                ),
            ],
            spacing=10,
        ),
        _text(staff.tr("activity.invite"), 18, ft.FontWeight.BOLD),
        *(boxes or [_text(staff.tr("activity.no_planners"), 17, color=MUTED)]),
        _banner(staff.error, error=True),
        _big_button(staff.tr("activity.create"), create, icon=ft.Icons.SEND),
    )


@ft.component
@logged
def ActivityScreen(staff: StaffState, revision: int) -> ft.Control:
    a = staff.activity or {}
    reasons: Any = ft.use_ref(lambda: {})
    typed: dict[int, str] = reasons.current

    def reason_setter(pid: int) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            typed[pid] = e.control.value or ""

        return on_change

    rows: list[ft.Control] = []
    for r in staff.activity_rows():
        pid = int(r["planner_id"])

        def mark(status: str, p: int = pid) -> Any:
            async def on_click(_: Any) -> None:
                await staff.record_attendance(p, status, typed.get(p))

            return on_click

        status = r.get("status")
        answer = r.get("response")
        rows.append(
            panel(
                _text(str(r["name"]), 19, ft.FontWeight.BOLD),
                ft.Row(
                    [
                        _chip("synced", staff.tr(f"activity.response.{answer or 'none'}")),
                        *([] if status else [_chip("saved", staff.tr("activity.status.none"))]),
                    ],
                    wrap=True,
                ),
                _text(staff.tr("activity.reason_shown", reason=r["reason"]), 16, color=MUTED)
                if r.get("reason")
                else None,
                choice_row(
                    [
                        choice_button(staff.tr(f"activity.mark.{s}"), status == s, mark(s), size=16)
                        for s in (rules.ATTENDED, rules.EXCUSED, rules.UNEXCUSED)
                    ]
                ),
                ft.Container(
                    _field(
                        staff.tr("activity.reason"),
                        typed.get(pid),
                        reason_setter(pid),
                        hint=staff.tr("activity.reason_hint"),
                    ),
                    width=float("inf"),
                ),
            )
        )
    return _column(
        _text(str(a.get("topic") or ""), 24, ft.FontWeight.BOLD),
        _text(f"{staff.when(a.get('starts_at'))} · {a.get('place') or ''}", 17, color=MUTED),
        _banner(staff.notice),
        _banner(staff.error, error=True),
        _text(staff.tr("activity.attendance"), 20, ft.FontWeight.BOLD),
        *(rows or [_text(staff.tr("activity.no_planners"), 17, color=MUTED)]),
    )


@ft.component
@logged
def OpinionsScreen(staff: StaffState, revision: int) -> ft.Control:
    cards: list[ft.Control] = []
    for o in staff.opinions:
        oid = str(o.get("id"))
        fu = o.get("follow_up") or {}
        done = fu.get("adoption") or o.get("adoption")
        quality = fu.get("quality") or o.get("quality")
        cards.append(
            ft.Container(
                content=_stack(
                    [
                        _text(str(o.get("subject") or ""), 19, ft.FontWeight.BOLD),
                        _text(
                            f"{staff.planner_name(o.get('planner_id'))} · {staff.when(o.get('issued_at'))}",
                            16,
                            color=MUTED,
                        ),
                        _chip(
                            "confirmed",
                            staff.tr("follow.done", adoption=staff.tr(f"follow.{done}"), quality=quality),
                        )
                        if done
                        else _chip("photos", staff.tr("follow.todo")),
                    ]
                ),
                padding=14,
                border_radius=12,
                bgcolor="#f4f6fa",
                border=ft.Border.all(1, "#c9d1dc"),
                on_click=lambda _, i=oid: staff.open_follow_up(i),
                ink=True,
            )
        )
    return _column(
        _text(staff.tr("follow.title"), 26, ft.FontWeight.BOLD),
        _banner(staff.notice),
        _banner(staff.error, error=True),
        *(cards or [_text(staff.tr("follow.none"), 18, color=MUTED)]),
    )


@ft.component
@logged
def FollowUpScreen(staff: StaffState, revision: int) -> ft.Control:
    o = staff.current_opinion() or {}
    earlier: dict[str, Any] = o.get("follow_up") or {}
    first_adoption: str | None = earlier.get("adoption")
    first_quality: int | None = earlier.get("quality")
    adoption, set_adoption = ft.use_state(first_adoption)
    quality, set_quality = ft.use_state(first_quality)
    note: Any = ft.use_ref(lambda: {"note": ""})

    def set_note(e: ft.Event[ft.TextField]) -> None:
        note.current["note"] = e.control.value or ""

    async def save(_: Any) -> None:
        await staff.follow_up(adoption, quality, note.current.get("note"))

    def choice(label: str, selected: bool, on_click: Any) -> ft.Control:
        return ft.Container(choice_button(label, selected, on_click), expand=True)

    return _column(
        _text(staff.tr("follow.title"), 24, ft.FontWeight.BOLD),
        panel(
            _text(str(o.get("subject") or ""), 19, ft.FontWeight.BOLD),
            _text(str(o.get("body") or ""), 16, color=MUTED),
        ),
        _text(staff.tr("follow.adoption"), 18, ft.FontWeight.BOLD),
        ft.Row(
            [
                choice(staff.tr(f"follow.{a}"), adoption == a, lambda _, x=a: set_adoption(x))
                for a in ADOPTION
            ],
            spacing=6,
        ),
        _text(staff.tr("follow.quality"), 18, ft.FontWeight.BOLD),
        ft.Row([choice(str(q), quality == q, lambda _, x=q: set_quality(x)) for q in range(1, 6)], spacing=6),
        _field(staff.tr("staff.note"), note.current.get("note"), set_note),
        _banner(staff.error, error=True),
        _big_button(staff.tr("save"), save, icon=ft.Icons.SAVE),
    )


STAFF_NAV = ("queue", "activities", "opinions")


def staff_body(staff: StaffState, revision: int) -> ft.Control:
    s = staff.screen
    if s == "visit":
        return ReviewScreen(staff, revision, key=f"review-{staff.current_id}")  # type: ignore[call-arg]
    if s == "activities":
        return ActivitiesScreen(staff, revision)
    if s == "new_activity":
        return NewActivityScreen(staff, revision)
    if s == "activity":
        return ActivityScreen(staff, revision, key=f"activity-{(staff.activity or {}).get('id')}")  # type: ignore[call-arg]
    if s == "opinions":
        return OpinionsScreen(staff, revision)
    if s == "follow_up":
        return FollowUpScreen(staff, revision, key=f"follow-{staff.opinion_id}")  # type: ignore[call-arg]
    return QueueScreen(staff, revision)


async def staff_nav(staff: StaffState, index: int) -> None:
    target = STAFF_NAV[index]
    if target == "queue":
        staff.go("queue")
        await staff.load()
    elif target == "activities":
        await staff.load_activities()
    else:
        await staff.load_opinions()


def staff_destinations(staff: StaffState) -> list[ft.NavigationBarDestination]:
    return [
        ft.NavigationBarDestination(icon=ft.Icons.FACT_CHECK, label=staff.tr("nav.queue")),
        ft.NavigationBarDestination(icon=ft.Icons.GROUPS, label=staff.tr("nav.activities")),
        ft.NavigationBarDestination(icon=ft.Icons.RATE_REVIEW, label=staff.tr("nav.opinions")),
    ]


def staff_back(staff: StaffState) -> Any:
    """Where the app bar's back button goes from a screen that is not a tab (None on tabs)."""
    return {
        "visit": "queue",
        "new_activity": "activities",
        "activity": "activities",
        "follow_up": "opinions",
    }.get(staff.screen)
