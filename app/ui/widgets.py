"""Small controls shared by the staff and coordinator screens."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.ui.screens import ACCENT, ERR, FONT, INK, TOUCH


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
        bgcolor="#f4f6fa",
        border=ft.Border.all(1, "#c9d1dc"),
    )


def alert_line(text: str) -> ft.Control:
    """An alert with a warning icon (the bundled CJK font has no ⚠ glyph, so no emoji in the text)."""
    return ft.Row(
        [
            ft.Icon(ft.Icons.WARNING_AMBER_ROUNDED, color=ERR, size=22),
            ft.Container(ft.Text(text, size=16, color=INK), expand=True),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
