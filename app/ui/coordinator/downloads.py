"""Report downloads: the quarterly service record and the HR summary (XLSX), a planner's annual appraisal and
a written opinion (DOCX).

A download asks the server for a short-lived signed link and lets the browser (or phone) open it, so no
bearer header is needed for the file itself.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.base import CoordinatorBase
from app.ui.widgets import big_button, button, dropdown, panel, text

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class DownloadsState(CoordinatorBase):
    """Which report, with which parameters, and the signed link to it."""

    def report_request(self, report: str, **extra: Any) -> tuple[str, dict[str, Any]]:
        """The report name and parameters the server's signed-link endpoint expects."""
        if report == "quarterly":
            return "quarterly", {"year": self.year, "quarter": self.quarter, "district_id": self.district_id}
        if report == "hr_summary":
            return "hr-summary", {"year": self.year, "quarter": self.quarter}
        if report == "annual":
            return "annual", {"year": self.year, "planner_id": extra["planner_id"]}
        if report == "opinion":
            return "opinion", {"opinion_id": extra["opinion_id"]}
        raise ValueError(f"report: unknown {report!r}")

    async def download_link(self, report: str, **extra: Any) -> str | None:
        """A short-lived signed link the browser can open without the bearer header."""
        name, params = self.report_request(report, **extra)
        try:
            url = await self.client.report_link(name, params)
        except ServerError as exc:
            self._fail(exc)
            return None
        file_name = str(url).split("?", 1)[0].rsplit("/", 1)[-1]
        self.downloads = [*self.downloads, file_name]
        self.notice = self.tr("dash.download_started", name=file_name)
        return str(url)


async def open_link(url: str | None) -> None:
    if url:
        # Same window: the signed link answers an attachment, so the browser downloads it and stays on the
        # app; a new window opened after the round trip to the server would be stopped as a pop-up.
        await ft.UrlLauncher().launch_url(url, web_only_window_name="_self")


def download(
    coord: CoordinatorState, report: str, **extra: Any
) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """A tap handler that downloads ``report``."""

    async def on_click(_: Any) -> None:
        await open_link(await coord.download_link(report, **extra))

    return on_click


def downloads_panel(coord: CoordinatorState) -> ft.Control:
    """The dashboard's downloads: the quarter and district, then the quarterly record and the HR summary."""

    def set_quarter(e: ft.Event[ft.Dropdown]) -> None:
        coord.quarter = int(e.control.value or coord.quarter)

    def set_district(e: ft.Event[ft.Dropdown]) -> None:
        coord.district_id = int(e.control.value) if e.control.value else None

    return panel(
        text(coord.tr("dash.downloads"), 18, ft.FontWeight.BOLD),
        ft.Row(
            [
                dropdown(
                    coord.tr("dash.quarter"),
                    str(coord.quarter),
                    [(str(q), coord.tr("dash.quarter_n", q=q)) for q in (1, 2, 3, 4)],
                    set_quarter,
                ),
                dropdown(
                    coord.tr("field.district_id"),
                    str(coord.district_id or ""),
                    [
                        (str(d["district_id"]), str(d.get("name") or d["district_id"]))
                        for d in coord.district_rows()
                    ],
                    set_district,
                ),
            ],
            spacing=8,
        ),
        big_button(coord.tr("dash.quarterly_xlsx"), download(coord, "quarterly"), icon=ft.Icons.TABLE_VIEW),
        button(coord.tr("dash.hr_xlsx"), download(coord, "hr_summary"), icon=ft.Icons.TABLE_CHART),
    )
