"""An administrator's screens at their addresses, as a back stack with the app bar and the tabs.

    /            users            /users/new   a new user     /users/<id>   one user
    /districts   districts        /roster      the roster import (dry run first)

Administrators work online: a tab loads what it shows when tapped (and when the browser goes back to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.admin.districts import DistrictsScreen
from app.ui.admin.roster import RosterScreen
from app.ui.admin.state import AdminState
from app.ui.admin.users import NewUserScreen, UserScreen, UsersScreen
from app.ui.chrome import app_bar, back_button, language_switch, nav_bar, screen_view, sign_out_button
from app.ui.routing import Lost, RouteSync, use_follow_address, use_route_sync
from app.ui.widgets import logged

if TYPE_CHECKING:
    from app.ui.state import AppState

TABS = ("users", "districts", "roster")
PARENT = {"new_user": "users", "user": "users"}


async def open_tab(admin: AdminState, index: int) -> None:
    target = TABS[index]
    if target == "users":
        await admin.load_users()
    elif target == "districts":
        await admin.load_districts()
    else:
        admin.open_roster()


def _body(admin: AdminState, screen: str, files: ft.FilePicker | None) -> ft.Control:
    if screen == "new_user":
        return NewUserScreen(admin)
    if screen == "user":
        return UserScreen(admin, key=f"user-{admin.user_id}")  # type: ignore[call-arg]
    if screen == "districts":
        return DistrictsScreen(admin)
    if screen == "roster":
        return RosterScreen(admin, files)
    return UsersScreen(admin)


@ft.component
@logged
def AdminPage(
    state: AppState, admin: AdminState, sync: RouteSync, screen: str, files: ft.FilePicker | None
) -> ft.View:
    use_follow_address(sync, admin)
    path = ft.use_view_path()
    parent = PARENT.get(screen)

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        await open_tab(admin, int(e.control.selected_index))

    def switched() -> None:
        admin.lang = state.lang

    async def back(_: Any) -> None:
        await admin.load_users()

    return screen_view(
        screen=screen,
        route=path if parent else "/",
        appbar=app_bar(
            title=None if parent else state.tr("app.title"),
            back=back_button(state.tr("back"), back) if parent else None,
            actions=[language_switch(state, switched), sign_out_button(state)],
        ),
        body=_body(admin, screen, files),
        nav=nav_bar(
            TABS.index(screen) if screen in TABS else TABS.index(PARENT[screen]),
            [
                (ft.Icons.MANAGE_ACCOUNTS, admin.tr("nav.users")),
                (ft.Icons.LOCATION_CITY, admin.tr("nav.districts")),
                (ft.Icons.UPLOAD_FILE, admin.tr("nav.roster")),
            ],
            on_nav,
        ),
    )


@ft.component
@logged
def AdminApp(state: AppState, admin: AdminState, files: ft.FilePicker | None) -> Any:
    """The administrator's screens at their addresses (see the module's table)."""
    ft.on_mounted(admin.load_users)
    sync = use_route_sync(admin)

    def page(screen: str) -> Callable[[], Any]:
        return lambda: AdminPage(state, admin, sync, screen, files, key=f"page-{screen}")  # type: ignore[call-arg]

    return ft.Router(
        [
            ft.Route(
                path="/",
                component=page("users"),
                children=[
                    ft.Route(path="users/new", component=page("new_user")),
                    ft.Route(path="users/:uid", component=page("user")),
                ],
            ),
            ft.Route(path="districts", component=page("districts")),
            ft.Route(path="roster", component=page("roster")),
        ],
        not_found=lambda: Lost(sync, admin),
        manage_views=True,
    )
