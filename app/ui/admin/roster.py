"""The roster import for the administrator: pick the bureau's XLSX roster, and the server checks it first
(a dry run): every bad row is listed by its row number and column, and nothing is imported until the file
is clean; then one tap imports it, and passwords the file left empty are shown once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import Refused, ServerError
from app.ui.admin.base import AdminBase
from app.ui.termkit import heading, muted, section
from app.ui.theme import ERR
from app.ui.widgets import banner, big_button, button, column, logged, panel, text

if TYPE_CHECKING:
    from app.ui.admin.state import AdminState


class RosterState(AdminBase):
    """The roster picked, its dry run, and its import."""

    def open_roster(self) -> None:
        self.error = None
        self.go("roster")

    async def roster_picked(self, name: str, data: bytes) -> None:
        """A file was picked: keep it and check it at once (nothing is imported)."""
        self.roster_name, self.roster_bytes = name, data
        self.roster_result = {}
        await self.check_roster()

    async def check_roster(self) -> bool:
        if not self.roster_bytes:
            self.error = self.tr("roster.pick_first")
            return False
        self.busy = True
        try:
            self.roster_check = await self.client.import_roster(self.roster_bytes, dry_run=True)
        except ServerError as exc:
            self.roster_check = {}
            self.refused(exc)
            return False
        finally:
            self.busy = False
        self.error = None
        if self.roster_check.get("valid"):
            self.notice = self.tr("roster.clean", rows=self.roster_check.get("rows", 0))
        else:
            self.notice = None
            if not self.roster_check.get("errors"):
                # The file itself is refused (not a workbook, wrong columns): one sentence naming what.
                answer = self.roster_check
                self.refused(Refused(str(answer.get("detail")), status=422, field=answer.get("field")))
        return bool(self.roster_check.get("valid"))

    def row_errors(self) -> list[str]:
        """Each bad row by its number and column, as the server found them, row by row."""
        return [
            self.tr("roster.row_error", row=e.get("row"), column=e.get("column"), message=e.get("message"))
            for e in self.roster_check.get("errors") or []
        ]

    @property
    def roster_clean(self) -> bool:
        return bool(self.roster_check.get("valid"))

    async def import_roster(self) -> bool:
        if not self.roster_clean or not self.roster_bytes:
            self.error = self.tr("roster.check_first")
            return False
        self.busy = True
        try:
            answer = await self.client.import_roster(self.roster_bytes, dry_run=False)
        except ServerError as exc:
            self.refused(exc)
            return False
        finally:
            self.busy = False
        if answer.get("errors"):
            # Someone took a username meanwhile: nothing was imported; the rows say which.
            self.roster_check = answer
            self.error = self.tr("roster.not_imported")
            return False
        self.roster_result = answer
        self.roster_check, self.roster_bytes = {}, None
        self.error = None
        self.notice = self.tr("roster.imported", n=answer.get("imported", 0))
        return True

    def imported_lines(self) -> list[str]:
        out = []
        for u in self.roster_result.get("users") or []:
            shown = f"{u.get('username')} · {u.get('display_name') or ''} · {self.role_label(u.get('role'))}"
            if u.get("password"):
                shown += " · " + self.tr("roster.password_once", password=u["password"])
            out.append(shown)
        return out


@ft.component
@logged
def RosterScreen(admin: AdminState, files: ft.FilePicker | None) -> ft.Control:
    async def check(_: Any) -> None:
        await admin.check_roster()

    async def do_import(_: Any) -> None:
        await admin.import_roster()

    errors = admin.row_errors()
    return column(
        heading(admin.tr("roster.title")),
        muted(admin.tr("roster.hint")),
        muted(admin.tr("roster.columns")),
        banner(admin.notice),
        banner(admin.error, error=True),
        ft.ProgressBar() if admin.busy else None,
        big_button(
            admin.tr("roster.pick"),
            icon=ft.Icons.UPLOAD_FILE,
            action=ft.PickFiles(
                files,
                file_type=ft.FilePickerFileType.CUSTOM,
                allowed_extensions=["xlsx"],
                with_data=True,
            ),
        )
        if files is not None
        else None,
        panel(
            text(admin.tr("roster.file", name=admin.roster_name), 17, ft.FontWeight.BOLD),
            button(admin.tr("roster.check_again"), check, icon=ft.Icons.RULE),
        )
        if admin.roster_name and admin.roster_bytes
        else None,
        section(
            admin.tr("roster.errors", n=len(errors)),
            *[text(e, 16, color=ERR) for e in errors],
        )
        if errors
        else None,
        big_button(
            admin.tr("roster.import", rows=admin.roster_check.get("rows", 0)),
            do_import,
            icon=ft.Icons.GROUP_ADD,
        )
        if admin.roster_clean
        else None,
        section(admin.tr("roster.imported_title"), *[text(x, 16) for x in admin.imported_lines()])
        if admin.roster_result
        else None,
    )
