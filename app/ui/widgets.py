"""The small controls every screen is built from, and `logged`, which every component wears.

Parts a screen leaves out are passed as None and skipped: Flutter draws a grey error box for a None child.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import flet as ft

from app.ui.theme import (
    ACCENT,
    BIG,
    CARD_BG,
    CARD_BORDER,
    ERR,
    FONT,
    INK,
    MUTED,
    STATUS_COLORS,
    TOUCH,
    WARN_BG,
)

log = logging.getLogger(__name__)

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


def text(value: str, size: int = 18, weight: ft.FontWeight | None = None, color: str = INK) -> ft.Text:
    return ft.Text(value, size=size, weight=weight, color=color)


def big_button(
    label: str,
    on_click: Any = None,
    *,
    icon: Any = None,
    key: str | None = None,
    action: Any = None,
    primary: bool = True,
) -> ft.Control:
    """The screen's main action: full width, 64 px high."""
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


def button(label: str, on_click: Any = None, *, icon: Any = None, action: Any = None) -> ft.Control:
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


def text_field(
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


def dropdown(
    label: str,
    value: str,
    options: list[tuple[str, str]],
    on_select: Any,
    *,
    menu_height: float | None = None,
) -> ft.Dropdown:
    """A choice; ``menu_height`` keeps a long list's menu on the screen (it scrolls inside)."""
    return ft.Dropdown(
        label=label,
        value=value,
        options=[ft.DropdownOption(key=k, text=v) for k, v in options],
        on_select=on_select,
        text_size=18,
        expand=True,
        width=float("inf"),
        menu_height=menu_height,
    )


def banner(message: str | None, *, error: bool = False) -> ft.Control | None:
    """A notice (pale yellow) or an error (pale red); nothing when there is no message."""
    if not message:
        return None
    return ft.Container(
        content=text(message, 17, color=ERR if error else INK),
        bgcolor="#ffe4e1" if error else WARN_BG,
        padding=12,
        border_radius=10,
    )


def card(*controls: ft.Control | None) -> ft.Container:
    return ft.Container(
        content=ft.Column([c for c in controls if c is not None], spacing=6),
        padding=16,
        border_radius=14,
        bgcolor=CARD_BG,
        border=ft.Border.all(1, CARD_BORDER),
    )


def panel(*controls: ft.Control | None) -> ft.Container:
    """A card whose parts take its full width (buttons and fields line up with the text)."""
    return ft.Container(
        content=ft.Column(
            [c for c in controls if c is not None],
            spacing=8,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        padding=16,
        border_radius=14,
        bgcolor=CARD_BG,
        border=ft.Border.all(1, CARD_BORDER),
    )


def tap_card(controls: list[ft.Control | None], on_click: Any) -> ft.Container:
    """A list entry that opens something when tapped (the whole card is the target)."""
    return ft.Container(
        content=stack(controls),
        padding=14,
        border_radius=12,
        bgcolor=CARD_BG,
        border=ft.Border.all(1, CARD_BORDER),
        on_click=on_click,
        ink=on_click is not None,
    )


def chip(code: str, label: str) -> ft.Container:
    """A status word on its status colour (`STATUS_COLORS`)."""
    bg, fg = STATUS_COLORS.get(code, ("#e8e8e8", INK))
    return ft.Container(
        content=ft.Text(label, size=16, weight=ft.FontWeight.BOLD, color=fg),
        bgcolor=bg,
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        border_radius=8,
    )


def stack(controls: list[ft.Control | None], spacing: int = 6) -> ft.Column:
    """A column of the parts a screen shows (None parts skipped)."""
    return ft.Column([c for c in controls if c is not None], spacing=spacing)


def column(*controls: ft.Control | None) -> ft.Column:
    """A screen's body: its parts one under the other, full width."""
    return ft.Column(
        [c for c in controls if c is not None], spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )


def with_footer(body: ft.Control, footer: ft.Control) -> ft.Column:
    """A screen whose body scrolls while ``footer`` (its main action) stays in sight at the bottom; its
    view is made with ``scroll=False`` (`app.ui.chrome.screen_view`)."""
    return ft.Column(
        [ft.Column([body], scroll=ft.ScrollMode.AUTO, expand=True), footer],
        expand=True,
        spacing=10,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def half_and_half(left: ft.Control, right: ft.Control, spacing: int = 10) -> ft.Row:
    """Two controls side by side, each half the width."""
    return ft.Row([ft.Container(left, expand=True), ft.Container(right, expand=True)], spacing=spacing)


def choice_button(label: str, selected: bool, on_click: Any, *, size: int = 18) -> ft.Control:
    """One of a set of choices as a large button; the chosen one is filled (a thumb can hit it outdoors)."""
    if len(label) > 8:
        size = min(size, 15)  # "incompetent" must fit a third of a phone's width without breaking the word
    return ft.FilledButton(
        # Chosen: filled dark blue with white bold text; not chosen: pale grey with black text.
        content=ft.Text(
            label,
            size=size,
            color=ft.Colors.WHITE if selected else ft.Colors.BLACK,
            weight=ft.FontWeight.BOLD if selected else None,
            font_family=FONT,
            text_align=ft.TextAlign.CENTER,
        ),
        on_click=on_click,
        height=TOUCH,
        style=ft.ButtonStyle(
            bgcolor=ACCENT if selected else "#e3e7ee",
            shape=ft.RoundedRectangleBorder(radius=10),
            padding=ft.Padding.symmetric(horizontal=4, vertical=6),
        ),
    )


def choice_row(buttons: list[ft.Control], spacing: int = 6) -> ft.Row:
    return ft.Row([ft.Container(b, expand=True) for b in buttons], spacing=spacing)


def alert_line(message: str) -> ft.Control:
    """An alert with a warning icon (the bundled CJK font has no ⚠ glyph, so no emoji in the text)."""
    return ft.Row(
        [
            ft.Icon(ft.Icons.WARNING_AMBER_ROUNDED, color=ERR, size=22),
            ft.Container(ft.Text(message, size=16, color=INK), expand=True),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
