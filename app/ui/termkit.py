"""What the screens of the planner's term share across roles: the server's words, refusals that name their
field, dates typed as text, and the few controls those screens are built from (a status chip, a line of
label and value, choices that wrap on a narrow phone, a download).

The term's screens work online in every role: what they show comes from the server when they open, and the
labels of its codes come from its vocabulary (`app.vocabulary.Words`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.errors import AuthError, Refused, ServerError, Unreachable, plain
from app.ui.theme import ACCENT, ERR, FONT, INK, MUTED, TOUCH
from app.ui.widgets import button, chip, panel, text
from app.vocabulary import Words

#: Term statuses -> the chip colours the app already uses (green: done, yellow: under way, red: ended badly).
_CHIP_OF: dict[str, str] = {
    "member": "confirmed",
    "serving": "confirmed",
    "filled": "confirmed",
    "approved": "confirmed",
    "upheld": "rejected",
    "paid": "confirmed",
    "renew": "confirmed",
    "active": "confirmed",
    "applied": "photos",
    "in_notice": "photos",
    "proposed": "photos",
    "open": "photos",
    "pending": "photos",
    "unpaid": "photos",
    "flagged": "photos",
    "rejected": "rejected",
    "cancelled": "rejected",
    "removed": "rejected",
    "dismissed": "rejected",
    "dismiss": "rejected",
    "not_renew": "rejected",
    "disabled": "rejected",
    "withdrawn": "saved",
    "ended": "saved",
}


def today_in(tz: str) -> str:
    """Today in the deployment's time zone, as the server's dates are written (``YYYY-MM-DD``)."""
    return datetime.now(ZoneInfo(tz)).date().isoformat()


def valid_day(value: str | None) -> bool:
    try:
        date.fromisoformat((value or "").strip())
    except ValueError:
        return False
    return True


def known_field(lang: str, field: str) -> str | None:
    """The catalogue's name for a field the server named (``account.username`` -> ``username``)."""
    for key in (field, field.rsplit(".", 1)[-1], field.split("[", 1)[0]):
        if f"field.{key}" in i18n.CATALOGUE[lang]:
            return key
    return None


def field_label(lang: str, field: str) -> str:
    """A field in words: ``account.username`` -> 用户名; an unknown name shows itself."""
    key = known_field(lang, field)
    return i18n.t(lang, f"field.{key}") if key else field


class TermWords:
    """Mixin for a state with ``lang``, ``error``, ``notice`` and the server's ``words``."""

    lang: str
    error: str | None
    notice: str | None
    words: Words

    def tr(self, key: str, **values: object) -> str:
        return i18n.t(self.lang, key, **values)

    def label(self, kind: str, code: str | None) -> str:
        return self.words.label(kind, code, self.lang)

    def labels(self, kind: str, codes: Any) -> str:
        return self.words.labels(kind, list(codes or []), self.lang)

    def choices(self, kind: str) -> list[tuple[str, str]]:
        return self.words.choices(kind, self.lang)

    def reason(self, reason: dict[str, Any] | None) -> str:
        return self.words.reason(reason, self.lang)

    def grade(self, name: str | None) -> str:
        return self.words.grade(name, self.lang)

    def needs(self, field: str) -> str:
        """A field left empty, named in words (said before anything is sent)."""
        return i18n.t(
            self.lang, "error.field", field=field_label(self.lang, field), message=self.tr("error.required")
        )

    def bad_day(self, field: str) -> str:
        return i18n.t(
            self.lang, "error.field", field=field_label(self.lang, field), message=self.tr("term.bad_day")
        )

    def refused(self, exc: ServerError, names: dict[str, str] | None = None) -> None:
        """A failed request in plain words; a refusal names its field by the field's label (``names``: what a
        field the server named is called on this screen, e.g. a district's ``name``)."""
        if isinstance(exc, Refused) and not isinstance(exc, AuthError) and exc.status in (400, 409, 413, 422):
            field = exc.field or ""
            message = str(exc.detail)
            if field and message.startswith(f"{field}:"):
                message = message[len(field) + 1 :].strip()
            field = (names or {}).get(field, field)
            if field:
                self.error = i18n.field_error(self.lang, known_field(self.lang, field) or field, message)
            else:
                self.error = self.tr("online.refused", detail=message)
            return
        if isinstance(exc, Unreachable):
            self.error = self.tr("term.needs_server")
            return
        self.error = plain(self.lang, exc, offline_first=False)


# --- controls ----------------------------------------------------------------------------------------------


def status_chip(code: str | None, label: str) -> ft.Control:
    return chip(_CHIP_OF.get(str(code), "saved"), label)


def title_row(title: str, badge: ft.Control | None = None, size: int = 19) -> ft.Control:
    """A name and its status chip on one line; a long name wraps instead of pushing the chip off."""
    return ft.Row(
        [ft.Container(text(title, size, ft.FontWeight.BOLD), expand=True), *([badge] if badge else [])],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=8,
    )


def heading(value: str, size: int = 24) -> ft.Text:
    return text(value, size, ft.FontWeight.BOLD)


def line(label: str, value: Any) -> ft.Control | None:
    """``label：value`` (nothing when there is no value)."""
    if value is None or value == "" or value == []:
        return None
    return ft.Text(
        spans=[
            ft.TextSpan(f"{label}：", ft.TextStyle(size=16, color=MUTED, font_family=FONT)),
            ft.TextSpan(str(value), ft.TextStyle(size=16, color=INK, font_family=FONT)),
        ]
    )


def check_line(ok: bool, words: str, *, pending: bool = False) -> ft.Control:
    """One check of a rule: a tick or a cross, and its reason; ``pending``: an empty circle (not done yet)."""
    icon, colour = (
        (ft.Icons.RADIO_BUTTON_UNCHECKED, MUTED)
        if pending and not ok
        else (ft.Icons.CHECK_CIRCLE, ACCENT)
        if ok
        else (ft.Icons.CANCEL, ERR)
    )
    return ft.Row(
        [
            ft.Icon(icon, color=colour, size=22),
            ft.Container(ft.Text(words, size=16, color=INK), expand=True),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def pick_button(label: str, selected: bool, on_click: Any) -> ft.Control:
    """One of a set of choices that wrap over lines: as wide as its words, filled when chosen."""
    return ft.FilledButton(
        content=ft.Text(
            label,
            size=16,
            color=ft.Colors.WHITE if selected else ft.Colors.BLACK,
            weight=ft.FontWeight.BOLD if selected else None,
            font_family=FONT,
        ),
        icon=ft.Icons.CHECK if selected else None,
        icon_color=ft.Colors.WHITE,
        on_click=on_click,
        height=48,
        style=ft.ButtonStyle(
            bgcolor=ACCENT if selected else "#e3e7ee",
            shape=ft.RoundedRectangleBorder(radius=10),
            padding=ft.Padding.symmetric(horizontal=12, vertical=4),
        ),
    )


def choice_wrap(
    options: list[tuple[str, str]], selected: Callable[[str], bool], on_pick: Callable[[str], Any]
) -> ft.Control:
    """Choices as buttons that wrap on a narrow phone (a thumb hits them; a test finds them by name)."""

    def handler(code: str) -> Callable[[Any], Any]:
        return lambda _: on_pick(code)

    return ft.Row(
        [pick_button(label, selected(code), handler(code)) for code, label in options],
        wrap=True,
        spacing=8,
        run_spacing=8,
    )


def labelled(label: str, control: ft.Control) -> ft.Control:
    return ft.Column([text(label, 16, color=MUTED), control], spacing=6)


def section(title: str, *controls: ft.Control | None) -> ft.Container:
    return panel(text(title, 18, ft.FontWeight.BOLD), *controls)


def muted(value: str, size: int = 16) -> ft.Text:
    return text(value, size, color=MUTED)


def form_values(initial: dict[str, Any]) -> Any:
    """A form's typed values for one component, kept across re-renders (`ft.use_ref`)."""
    return ft.use_ref(lambda: dict(initial))


def setter(values: dict[str, Any], key: str) -> Callable[[ft.Event[ft.TextField]], None]:
    def on_change(e: ft.Event[ft.TextField]) -> None:
        values[key] = e.control.value or ""

    return on_change


async def open_url(url: str | None) -> None:
    """A signed download link in the same window: the file downloads and the app stays open."""
    if url:
        await ft.UrlLauncher().launch_url(url, web_only_window_name="_self")


def touch_row(*controls: ft.Control) -> ft.Row:
    """Buttons side by side, sharing the width."""
    return ft.Row([ft.Container(c, expand=True) for c in controls], spacing=8, height=TOUCH)


# --- pieces of the term's screens that several roles show ----------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    """A district request in words (the bureau's list, the staff's)."""

    request_id: int
    district: str
    status: str
    status_label: str
    specialties: str
    seats: str
    focus: str
    filed: str
    replacement: bool


def request_row(owner: Any, r: dict[str, Any]) -> RequestRow:
    return RequestRow(
        request_id=int(r["id"]),
        district=str(r.get("district_name") or ""),
        status=str(r.get("status")),
        status_label=owner.label("request_statuses", r.get("status")),
        specialties=owner.labels("specialties", r.get("specialties")),
        seats=owner.tr("req.seats", filled=r.get("seats_filled", 0), needed=r.get("planners_needed", 0)),
        focus=str(r.get("service_focus") or ""),
        filed=owner.tr("req.filed", on=r.get("filed_on"), by=r.get("filed_by") or "—"),
        replacement=r.get("replaces_dispatch_id") is not None,
    )


def gap_line(owner: Any, g: dict[str, Any]) -> str:
    """A district's gap in words (staff and bureau)."""
    words = owner.tr(
        "gap.line",
        days=g.get("days_without_planner", 0),
        serving=g.get("serving", 0),
        seats=g.get("open_seats", 0),
    )
    if g.get("current_gap_days"):
        words += owner.tr("gap.current", days=g["current_gap_days"])
    if not g.get("needed_since"):
        words = owner.tr("gap.never_asked")
    return words


def gaps_panel(owner: Any, gaps: dict[str, Any]) -> ft.Control | None:
    districts = list(gaps.get("districts") or [])
    if not districts:
        return None
    return section(
        owner.tr(
            "gap.title", start=gaps.get("from"), end=gaps.get("to"), rule=gaps.get("rule_id") or "PDS-11"
        ),
        *[
            ft.Column(
                [
                    text(str(g.get("district_name") or ""), 17, ft.FontWeight.BOLD),
                    text(gap_line(owner, g), 16),
                ],
                spacing=2,
            )
            for g in districts
        ],
    )


def term_summary(owner: Any, t: dict[str, Any]) -> list[ft.Control | None]:
    """A term's dates, days left, grade and decision, in words (every role's term screens)."""
    term = dict(t.get("term") or {})
    grade = t.get("latest_grade")
    decision = term.get("decision")
    left = int(term.get("days_left") or 0)
    return [
        text(
            owner.tr(
                "terms.term", n=term.get("number"), starts=term.get("starts_on"), ends=term.get("ends_on")
            ),
            17,
        )
        if term
        else None,
        text(
            owner.tr("terms.days_left", days=left) if left >= 0 else owner.tr("terms.days_over", days=-left),
            16,
            color=ERR if 0 <= left <= 30 and not decision else ACCENT,
        )
        if term and t.get("status") == "serving"
        else None,
        text(owner.tr("terms.grade", year=grade.get("year"), grade=owner.grade(grade.get("grade"))), 16)
        if grade
        else muted(owner.tr("terms.no_grade")),
        text(
            owner.tr(
                "terms.decided",
                decision=owner.label("decisions", decision.get("decision")),
                rule=decision.get("rule_id"),
            ),
            16,
            ft.FontWeight.BOLD,
        )
        if decision
        else None,
    ]


def notice_panel(owner: Any, d: dict[str, Any]) -> ft.Control | None:
    """The dispatch notice (PDS-7) as the district and the planner read it, and its DOCX."""
    n = d.get("notice")
    if not n:
        return None

    async def docx(_: Any) -> None:
        await open_url(await owner.notice_link(int(d["id"])))

    return section(
        owner.tr("disp.notice"),
        text(str(n.get("title") or ""), 18, ft.FontWeight.BOLD),
        muted(owner.tr("disp.notice_no", no=n.get("no"), on=n.get("on"))),
        *[text(str(p), 16) for p in n.get("paragraphs") or []],
        text(str(n.get("issuer") or ""), 16),
        button(owner.tr("disp.notice_docx"), docx, icon=ft.Icons.DESCRIPTION),
    )
