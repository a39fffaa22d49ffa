"""After sign-in, route by role: planners get the phone screens (`app.ui.screens.App`), district staff the
review screens (`app.ui.staff`), coordinators and admins the dashboard (`app.ui.coordinator`).

Staff and coordinators work online: their view-models are made per sign-in (token) over `OnlineClient`
and load when their screens first show. The app bar (language switch, back, sign out) is shared.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.online import OnlineClient
from app.ui.coordinator import (
    COORD_NAV,
    coordinator_back,
    coordinator_body,
    coordinator_destinations,
    coordinator_nav,
)
from app.ui.coordinator_state import CoordinatorState
from app.ui.screens import ACCENT, TOUCH, App, Services, logged
from app.ui.staff import STAFF_NAV, decision_bar, staff_back, staff_body, staff_destinations, staff_nav
from app.ui.staff_state import StaffState
from app.ui.state import AppState

PLANNER = "planner"
STAFF = "district"
COORDINATOR_ROLES = ("coordinator", "admin")


def role_of(state: AppState) -> str:
    user = state.user
    role = user.get("role") if isinstance(user, dict) else getattr(user, "role", None)
    return str(role or PLANNER)


class OnlineViews:
    """The online view-models of one browser session, remade when another user signs in."""

    def __init__(self, state: AppState, transport: Any = None) -> None:
        self.state = state
        self.transport = transport
        self._key: tuple[str | None, str | None] | None = None
        self.staff: StaffState | None = None
        self.coord: CoordinatorState | None = None

    def current(self) -> tuple[StaffState | None, CoordinatorState | None]:
        key = (self.state.base_url, self.state.token)
        if key != self._key:
            self._key = key
            self.staff = self.coord = None
            if self.state.base_url and self.state.token:
                client = OnlineClient(self.state.base_url, self.state.token, transport=self.transport)
                role = role_of(self.state)
                if role == STAFF:
                    self.staff = StaffState(client=client, lang=self.state.lang, tz=self.state.tz)
                elif role in COORDINATOR_ROLES:
                    self.coord = CoordinatorState(client=client, lang=self.state.lang, tz=self.state.tz)
        return self.staff, self.coord


def _appbar(state: AppState, vm: Any, back: str | None) -> ft.AppBar:
    def toggle(_: Any) -> None:
        state.toggle_lang()
        vm.lang = state.lang

    return ft.AppBar(
        leading=ft.TextButton(
            content=ft.Text(state.tr("back"), size=18, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
            icon=ft.Icons.ARROW_BACK,
            icon_color=ft.Colors.WHITE,
            on_click=lambda _: vm.go(back),
            height=TOUCH,
        )
        if back
        else None,
        leading_width=110 if back else None,
        automatically_imply_leading=False,
        # With a back button the title would be cut off on a 390 px phone; the screen says where you are.
        title=None
        if back
        else ft.Text(state.tr("app.title"), size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
        bgcolor=ACCENT,
        actions=[
            ft.TextButton(
                content=ft.Text(state.tr("lang.switch"), size=18, color=ft.Colors.WHITE),
                on_click=toggle,
                height=TOUCH,
            ),
            ft.IconButton(
                ft.Icons.LOGOUT,
                icon_color=ft.Colors.WHITE,
                tooltip=state.tr("signout"),
                on_click=lambda _: state.sign_out(),
                width=TOUCH,
                height=TOUCH,
            ),
        ],
    )


def _view(
    screen: str,
    appbar: ft.AppBar,
    nav: ft.NavigationBar | None,
    body: ft.Control,
    bottom: ft.BottomAppBar | None = None,
) -> list[ft.View]:
    return [
        ft.View(
            key=f"view-{screen}",
            route="/",
            appbar=appbar,
            navigation_bar=nav,
            bottom_appbar=bottom,
            controls=[body],
            scroll=ft.ScrollMode.AUTO,
            padding=ft.Padding.symmetric(horizontal=16, vertical=14),
            bgcolor=ft.Colors.WHITE,
        )
    ]


@ft.component
@logged
def StaffApp(state: AppState, staff: StaffState) -> list[ft.View]:
    ft.on_mounted(staff.load)
    screen = staff.screen
    rev = hash((len(staff.queue), staff.current_id, staff.decided, staff.lang, id(staff.activity)))

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        await staff_nav(staff, int(e.control.selected_index))

    nav = ft.NavigationBar(
        selected_index=STAFF_NAV.index(screen)
        if screen in STAFF_NAV
        else {"visit": 0, "new_activity": 1, "activity": 1}.get(screen, 2),
        on_change=on_nav,
        destinations=staff_destinations(staff),
        bgcolor="#eef1f6",
        indicator_color="#c7dcf7",
    )
    if screen == "visit" and staff.current() is not None:
        # Reviewing: the decisions take the bottom bar's place, under the thumb.
        return _view(
            screen, _appbar(state, staff, "queue"), None, staff_body(staff, rev), decision_bar(staff)
        )
    return _view(screen, _appbar(state, staff, staff_back(staff)), nav, staff_body(staff, rev))


@ft.component
@logged
def CoordinatorApp(state: AppState, coord: CoordinatorState) -> list[ft.View]:
    ft.on_mounted(coord.load)
    screen = coord.screen
    rev = hash(
        (coord.year, coord.lang, id(coord.dashboard), id(coord.appraisal), tuple(coord.chosen.items()))
    )

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        await coordinator_nav(coord, int(e.control.selected_index))

    nav = ft.NavigationBar(
        selected_index=COORD_NAV.index(screen) if screen in COORD_NAV else 2 if screen == "dossier" else 0,
        on_change=on_nav,
        destinations=coordinator_destinations(coord),
        bgcolor="#eef1f6",
        indicator_color="#c7dcf7",
    )
    return _view(screen, _appbar(state, coord, coordinator_back(coord)), nav, coordinator_body(coord, rev))


@ft.component
@logged
def RoleApp(state: AppState, services: Services, online: OnlineViews) -> list[ft.View]:
    """The whole app: the planner's screens, or the online screens of staff and coordinators."""
    signed_in = state.store is not None and state.screen != "signin" and state.token is not None
    staff, coord = online.current() if signed_in else (None, None)
    if staff is not None:
        staff.lang = state.lang
        return StaffApp(state, staff, key=f"staff-{id(staff)}")  # type: ignore[call-arg, no-any-return]
    if coord is not None:
        coord.lang = state.lang
        return CoordinatorApp(state, coord, key=f"coord-{id(coord)}")  # type: ignore[call-arg, no-any-return]
    return App(state, services)  # type: ignore[no-any-return]
