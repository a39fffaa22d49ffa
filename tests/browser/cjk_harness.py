"""A tiny Flet page for the CJK test: the app's own font setup, Chinese drawn with it and without it.

Run as a script (FLET_SERVER_PORT set). Row 1 at y=0 uses the theme font from `app.main.setup_page`;
row 2 at y=120 names Roboto explicitly, the only font the offline web client ships.
"""

from __future__ import annotations

import os

import flet as ft

from app.main import ASSETS_DIR, setup_page

TEXT = "实地指导"
SIZE = 40


def main(page: ft.Page) -> None:
    setup_page(page)
    page.padding = 0
    page.spacing = 0
    page.bgcolor = ft.Colors.WHITE

    def row(font: str | None) -> ft.Container:
        return ft.Container(
            ft.Text(TEXT, size=SIZE, font_family=font, color=ft.Colors.BLACK, no_wrap=True),
            height=120,
            width=390,
            padding=ft.Padding.only(left=20, top=20),
            bgcolor=ft.Colors.WHITE,
        )

    page.add(row(None), row("Roboto"))


if __name__ == "__main__":
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "true")
    ft.run(
        main,
        port=int(os.environ["FLET_SERVER_PORT"]),
        host="127.0.0.1",
        view=ft.AppView.WEB_BROWSER,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
    )
