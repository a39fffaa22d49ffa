"""A pool member's personal archive (个人档案): every event of their time in the pool, from the application to
the notice, dispatches, contracts, grades and their consequences, decisions and removals (CQ-9, CQ-10: the
results go into the personal file), as a page and as a DOCX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import line, muted, open_url, section, status_chip, title_row
from app.ui.widgets import banner, big_button, column, logged, text

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class ArchiveState(TermBase):
    """The archive of the candidate on screen, and its DOCX through a signed link."""

    async def open_archive(self, candidate_id: int) -> bool:
        return await self._load("archive", member_archive=self.client.archive(candidate_id))

    def archive_events(self) -> list[tuple[str, str]]:
        """(day, what happened) in the server's words for this language, in the server's order (by day)."""
        return [
            (
                str(e.get("on") or ""),
                str(e.get("text") if self.lang == "zh" else e.get("text_en") or e.get("text")),
            )
            for e in self.member_archive.get("events") or []
        ]

    def archive_grades(self) -> list[str]:
        out = []
        for g in self.member_archive.get("grades") or []:
            shown = self.tr("archive.grade", year=g.get("year"), grade=self.grade(g.get("grade")))
            consequences = [
                f"{self.label('consequences', c.get('code'))}（{c.get('rule_id')}）"
                if self.lang == "zh"
                else f"{self.label('consequences', c.get('code'))} ({c.get('rule_id')})"
                for c in g.get("consequences") or []
            ]
            out.append(f"{shown} → {'、'.join(consequences)}" if consequences else shown)
        return out

    async def archive_link(self) -> str | None:
        cid = (self.member_archive.get("candidate") or {}).get("id")
        try:
            url = await self.client.report_link("archive", {"candidate_id": cid})
        except ServerError as exc:
            self.refused(exc)
            return None
        self.notice = self.tr("term.download_started")
        return str(url)


@ft.component
@logged
def ArchiveScreen(coord: CoordinatorState) -> ft.Control:
    a = coord.member_archive
    c = dict(a.get("candidate") or {})

    async def docx(_: Any) -> None:
        await open_url(await coord.archive_link())

    return column(
        muted(coord.tr("archive.title")),
        title_row(
            str(c.get("name") or ""),
            status_chip(c.get("status"), coord.label("pool_statuses", c.get("status"))),
            24,
        ),
        banner(coord.notice),
        banner(coord.error, error=True),
        big_button(coord.tr("archive.docx"), docx, icon=ft.Icons.DESCRIPTION),
        section(
            coord.tr("archive.events"),
            *[
                ft.Row(
                    [
                        ft.Container(text(day, 15, ft.FontWeight.BOLD), width=104),
                        ft.Container(text(what, 16), expand=True),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.START,
                    spacing=8,
                )
                for day, what in coord.archive_events()
            ],
        ),
        section(coord.tr("archive.grades"), *[text(g, 16) for g in coord.archive_grades()])
        if coord.archive_grades()
        else None,
        section(
            coord.tr("archive.dispatches"),
            *[
                line(
                    str(d.get("district_name") or ""),
                    f"{coord.label('dispatch_statuses', d.get('status'))} · {d.get('starts_on') or '—'}",
                )
                for d in a.get("dispatches") or []
            ],
        )
        if a.get("dispatches")
        else None,
    )
