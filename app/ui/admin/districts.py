"""Districts for the administrator: each with its active planners and staff, and adding one (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.admin.base import AdminBase
from app.ui.termkit import form_values, heading, muted, section, setter
from app.ui.widgets import banner, button, column, logged, panel, text, text_field

if TYPE_CHECKING:
    from app.ui.admin.state import AdminState


class DistrictsState(AdminBase):
    async def load_districts(self) -> bool:
        return await self._read("districts", districts=True)

    async def add_district(self, name: str) -> bool:
        if not name.strip():
            self.error = self.needs("district_name")
            return False
        try:
            await self.client.add_district(name.strip())
            self.districts = await self.client.admin_districts()
        except ServerError as exc:
            self.refused(exc, {"name": "district_name"})
            return False
        self.error = None
        self.notice = self.tr("admin.district_added", name=name.strip())
        return True


@ft.component
@logged
def DistrictsScreen(admin: AdminState) -> ft.Control:
    form: Any = form_values({"name": ""})
    values: dict[str, Any] = form.current

    async def add(_: Any) -> None:
        if await admin.add_district(values["name"]):
            values["name"] = ""

    return column(
        heading(admin.tr("admin.districts")),
        banner(admin.notice),
        banner(admin.error, error=True),
        ft.ProgressBar() if admin.busy else None,
        *[
            panel(
                text(str(d.get("name") or ""), 19, ft.FontWeight.BOLD),
                muted(
                    admin.tr("admin.district_people", planners=d.get("planners", 0), staff=d.get("staff", 0))
                ),
            )
            for d in admin.districts
        ],
        section(
            admin.tr("admin.new_district"),
            text_field(admin.tr("field.district_name"), values["name"], setter(values, "name")),
            button(admin.tr("admin.add_district"), add, icon=ft.Icons.ADD_LOCATION_ALT),
        ),
    )
