"""Users for the administrator: every account with its role, state and districts; adding one; and for one
user: disable (every record kept, sign-in refused, devices signed out) or enable, reset the password (every
device signs in again), and the districts a planner or staff member serves. Each change is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.admin.base import ROLES, AdminBase
from app.ui.termkit import (
    choice_wrap,
    form_values,
    heading,
    labelled,
    line,
    muted,
    setter,
    status_chip,
    title_row,
)
from app.ui.widgets import banner, big_button, button, column, logged, panel, tap_card, text, text_field

if TYPE_CHECKING:
    from app.ui.admin.state import AdminState


class UsersState(AdminBase):
    """The users' list, a new user, and one user's state, password and districts."""

    async def load_users(self) -> bool:
        return await self._read("users", users=True, districts=True)

    def new_user(self) -> None:
        self.error = None
        self.go("new_user")

    def the_user(self) -> dict[str, Any]:
        for u in self.users:
            if int(u["id"]) == self.user_id:
                return dict(u)
        return {}

    async def open_user(self, user_id: int) -> bool:
        self.user_id = user_id
        if not await self._read("user", users=not self.the_user()):
            return False
        if not self.the_user():
            self.error = self.tr("online.not_allowed")
            self.go("users")
            return False
        return True

    def user_line(self, u: dict[str, Any]) -> str:
        names = "、".join(self.district_name(int(d)) for d in u.get("districts") or [])
        role = self.role_label(u.get("role"))
        return f"{u.get('username')} · {role}" + (f" · {names}" if names else "")

    async def add_user(self, values: dict[str, Any]) -> bool:
        for key in ("username", "password", "role"):
            if not str(values.get(key) or "").strip():
                self.error = self.needs(key)
                return False
        body = {
            "username": str(values["username"]).strip(),
            "display_name": str(values.get("display_name") or "").strip() or None,
            "role": values["role"],
            "password": values["password"],
            "district_ids": [int(d) for d in values.get("district_ids") or []],
        }
        try:
            made = await self.client.add_user({k: v for k, v in body.items() if v is not None})
            self.users = await self.client.users()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.user_id = int(made["id"])
        self.error = None
        self.go("user")
        self.notice = self.tr("admin.user_added", name=made.get("display_name") or made.get("username"))
        return True

    async def _changed(self, pending: Any, notice: str) -> bool:
        try:
            await pending
            self.users = await self.client.users()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = notice
        return True

    async def set_active(self, active: bool) -> bool:
        u = self.the_user()
        return await self._changed(
            self.client.set_active(int(u["id"]), active),
            self.tr("admin.enabled" if active else "admin.disabled", name=u.get("username")),
        )

    async def reset_password(self, password: str) -> bool:
        if not password:
            self.error = self.needs("password")
            return False
        u = self.the_user()
        return await self._changed(
            self.client.reset_password(int(u["id"]), password),
            self.tr("admin.password_reset", name=u.get("username")),
        )

    async def set_districts(self, district_ids: list[int]) -> bool:
        u = self.the_user()
        return await self._changed(
            self.client.set_user_districts(int(u["id"]), district_ids),
            self.tr("admin.districts_saved", name=u.get("username")),
        )


@ft.component
@logged
def UsersScreen(admin: AdminState) -> ft.Control:
    def opener(uid: int) -> Any:
        async def on_click(_: Any) -> None:
            await admin.open_user(uid)

        return on_click

    return column(
        heading(admin.tr("admin.users")),
        banner(admin.notice),
        banner(admin.error, error=True),
        ft.ProgressBar() if admin.busy else None,
        big_button(admin.tr("admin.new_user"), lambda _: admin.new_user(), icon=ft.Icons.PERSON_ADD),
        *[
            tap_card(
                [
                    title_row(
                        str(u.get("display_name") or u.get("username")),
                        status_chip(
                            "active" if u.get("active") else "disabled",
                            admin.tr("admin.active" if u.get("active") else "admin.inactive"),
                        ),
                    ),
                    muted(admin.user_line(u)),
                ],
                opener(int(u["id"])),
            )
            for u in admin.users
        ],
    )


def _district_choices(admin: AdminState, chosen: list[int], redraw: Any) -> ft.Control:
    def toggle(code: str) -> None:
        did = int(code)
        if did in chosen:
            chosen.remove(did)
        else:
            chosen.append(did)
        redraw(lambda n: n + 1)

    return choice_wrap(
        [(str(d["id"]), str(d.get("name") or d["id"])) for d in admin.districts],
        lambda code: int(code) in chosen,
        toggle,
    )


@ft.component
@logged
def NewUserScreen(admin: AdminState) -> ft.Control:
    form: Any = form_values(
        {"username": "", "display_name": "", "role": "planner", "password": "", "district_ids": []}
    )
    values: dict[str, Any] = form.current
    _, redraw = ft.use_state(0)

    def set_role(code: str) -> None:
        values["role"] = code
        redraw(lambda n: n + 1)

    async def save(_: Any) -> None:
        await admin.add_user(values)

    return column(
        heading(admin.tr("admin.new_user")),
        text_field(admin.tr("field.username"), values["username"], setter(values, "username")),
        text_field(admin.tr("field.display_name"), values["display_name"], setter(values, "display_name")),
        labelled(
            admin.tr("field.role"),
            choice_wrap([(r, admin.role_label(r)) for r in ROLES], lambda r: values["role"] == r, set_role),
        ),
        text_field(admin.tr("field.password"), values["password"], setter(values, "password"), password=True),
        muted(admin.tr("admin.password_hint")),
        labelled(admin.tr("field.districts"), _district_choices(admin, values["district_ids"], redraw))
        if values["role"] in ("planner", "district")
        else None,
        banner(admin.error, error=True),
        big_button(admin.tr("admin.add_user"), save, icon=ft.Icons.SAVE),
    )


@ft.component
@logged
def UserScreen(admin: AdminState) -> ft.Control:
    u = admin.the_user()
    form: Any = form_values({"password": "", "district_ids": [int(d) for d in u.get("districts") or []]})
    values: dict[str, Any] = form.current
    _, redraw = ft.use_state(0)
    if not u:
        return column(muted(admin.tr("admin.no_user")))
    active = bool(u.get("active"))

    async def toggle(_: Any) -> None:
        await admin.set_active(not active)

    async def reset(_: Any) -> None:
        if await admin.reset_password(values["password"]):
            values["password"] = ""

    async def districts(_: Any) -> None:
        await admin.set_districts(list(values["district_ids"]))

    linked = u.get("role") in ("planner", "district")
    return column(
        title_row(
            str(u.get("display_name") or u.get("username")),
            status_chip(
                "active" if active else "disabled", admin.tr("admin.active" if active else "admin.inactive")
            ),
            24,
        ),
        banner(admin.notice),
        banner(admin.error, error=True),
        panel(
            line(admin.tr("field.username"), u.get("username")),
            line(admin.tr("field.role"), admin.role_label(u.get("role"))),
            line(admin.tr("admin.created"), str(u.get("created_at") or "")[:10]),
        ),
        panel(
            text(admin.tr("admin.state"), 18, ft.FontWeight.BOLD),
            muted(admin.tr("admin.disable_hint")),
            button(
                admin.tr("admin.enable" if not active else "admin.disable"),
                toggle,
                icon=ft.Icons.LOCK_OPEN if not active else ft.Icons.BLOCK,
            ),
        ),
        panel(
            text(admin.tr("admin.reset"), 18, ft.FontWeight.BOLD),
            muted(admin.tr("admin.reset_hint")),
            text_field(
                admin.tr("field.new_password"), values["password"], setter(values, "password"), password=True
            ),
            button(admin.tr("admin.reset_now"), reset, icon=ft.Icons.PASSWORD),
        ),
        panel(
            text(admin.tr("field.districts"), 18, ft.FontWeight.BOLD),
            _district_choices(admin, values["district_ids"], redraw),
            button(admin.tr("admin.save_districts"), districts, icon=ft.Icons.SAVE),
        )
        if linked
        else None,
    )
