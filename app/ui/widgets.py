"""Small controls shared by the staff and coordinator screens."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.ui.screens import ACCENT, FONT, TOUCH


def choice_button(label: str, selected: bool, on_click: Any, *, size: int = 18) -> ft.Control:
    """One of a set of choices as a large button; the chosen one is filled (a thumb can hit it outdoors)."""
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
            padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        ),
    )


def choice_row(buttons: list[ft.Control], spacing: int = 6) -> ft.Row:
    return ft.Row([ft.Container(b, expand=True) for b in buttons], spacing=spacing)
