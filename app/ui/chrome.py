"""What is around every screen: the app bar (back, language, sign out), the tabs, its view in the stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import flet as ft

from app.ui.theme import ACCENT, BAR_BG, BAR_INDICATOR, TOUCH

#: The app's mark beside every screen's title (assets/icons). The web page's splash leaves once the first
#: screen has fetched it: the screen is built then, with its font loaded.
MARK = "icons/fieldlog.png"


class Speaks(Protocol):
    """A state with words and a language switch."""

    def tr(self, key: str, **values: object) -> str: ...

    def toggle_lang(self) -> None: ...

    def sign_out(self) -> None: ...


def nav_bar(
    selected: int, destinations: list[tuple[Any, str]], on_change: Callable[..., Any]
) -> ft.NavigationBar:
    """The tabs at the bottom of a role's top screens: (icon, label) each."""
    return ft.NavigationBar(
        selected_index=selected,
        on_change=on_change,
        destinations=[ft.NavigationBarDestination(icon=icon, label=label) for icon, label in destinations],
        bgcolor=BAR_BG,
        indicator_color=BAR_INDICATOR,
    )


def back_button(label: str, on_click: Callable[..., Any]) -> ft.Control:
    # Labelled, not a bare arrow: screen readers (and the browser tests) find it by its name.
    return ft.TextButton(
        content=ft.Text(label, size=18, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        icon=ft.Icons.ARROW_BACK,
        icon_color=ft.Colors.WHITE,
        on_click=on_click,
        height=TOUCH,
    )


def app_bar(
    *,
    title: str | None,
    back: ft.Control | None,
    actions: list[ft.Control],
) -> ft.AppBar:
    mark = ft.Image(src=MARK, width=28, height=28, border_radius=6)
    return ft.AppBar(
        leading=back,
        leading_width=110 if back else None,
        automatically_imply_leading=False,
        title=ft.Row(
            [mark, ft.Text(title, size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE)]
            if title
            else [mark],
            spacing=10,
            tight=True,
        ),
        title_spacing=12 if back is None else 0,
        bgcolor=ACCENT,
        actions=actions,
    )


def screen_view(
    *,
    screen: str,
    route: str,
    appbar: ft.AppBar,
    body: ft.Control,
    nav: ft.NavigationBar | None = None,
    bottom: ft.BottomAppBar | None = None,
    scroll: bool = True,
) -> ft.View:
    """One screen as a view of the back stack. The tabs share one ``route`` (no slide between tabs); a
    screen opened over one gets its own, and the phone's back gesture pops it. Each screen has its own key,
    so it opens at its top with fresh scroll state. With ``scroll=False`` the body scrolls itself and keeps
    a part pinned at the bottom (`app.ui.widgets.with_footer`), above the tabs."""
    return ft.View(
        key=f"view-{screen}",
        route=route,
        appbar=appbar,
        navigation_bar=nav,
        bottom_appbar=bottom,
        controls=[body],
        scroll=ft.ScrollMode.AUTO if scroll else None,
        padding=ft.Padding.symmetric(horizontal=16, vertical=14),
        bgcolor=ft.Colors.WHITE,
    )


def language_switch(state: Speaks, then: Callable[[], None] | None = None) -> ft.Control:
    """中文 / English; ``then`` passes the new language on (to a staff or coordinator state)."""

    def switch(_: Any) -> None:
        state.toggle_lang()
        if then is not None:
            then()

    return ft.TextButton(
        content=ft.Text(state.tr("lang.switch"), size=18, color=ft.Colors.WHITE),
        on_click=switch,
        height=TOUCH,
    )


def sign_out_button(state: Speaks) -> ft.Control:
    return ft.IconButton(
        ft.Icons.LOGOUT,
        icon_color=ft.Colors.WHITE,
        tooltip=state.tr("signout"),
        on_click=lambda _: state.sign_out(),
        width=TOUCH,
        height=TOUCH,
    )
