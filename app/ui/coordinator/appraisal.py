"""The annual appraisal: the suggested grade of each planner and why, the final grades the coordinator
chooses, and one planner's dossier (every number with the records behind it, and what the grade leads to).

The grades chosen stay on the phone until saved. When the server refuses them (CQ-9: more than the
profile's share excellent) the refusal names who went over the cap, and the grades stay as they were on
the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app import i18n
from app.errors import Refused, ServerError
from app.i18n import fmt_hours
from app.ui.coordinator.base import CoordinatorBase
from app.ui.coordinator.dashboard import year_bar
from app.ui.coordinator.downloads import download
from app.ui.theme import ACCENT, INK, MUTED
from app.ui.widgets import (
    banner,
    big_button,
    button,
    choice_button,
    choice_row,
    column,
    logged,
    panel,
    stack,
    text,
)

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class AppraisalState(CoordinatorBase):
    """Load the appraisal, choose grades, save them; open a dossier."""

    async def load_appraisal(self) -> None:
        try:
            self.appraisal = await self.client.appraisal(self.year)
        except ServerError as exc:
            self._fail(exc)
            return
        self.chosen = {
            int(p["planner_id"]): str(p.get("final_grade") or p.get("suggested_grade") or "")
            for p in self.appraisal.get("planners") or []
        }
        self.go("appraisal")

    def grades(self) -> list[str]:
        return [
            str(g)
            for g in self.appraisal.get("grades") or (self.config.get("profile") or {}).get("grades") or []
        ]

    def grade_label(self, grade: str) -> str:
        """The profile's grade name; in English the profile's English name beside it."""
        grades = self.grades()
        profile = self.config.get("profile")
        en = list(profile.get("grades_en") or []) if isinstance(profile, dict) else []
        if self.lang == "en" and grade in grades and len(en) == len(grades):
            return f"{en[grades.index(grade)]} ({grade})"
        return grade

    def grade_short(self, grade: str) -> str:
        """The grade's name alone, in the screen's language (for the grade buttons)."""
        label = self.grade_label(grade)
        return label.split(" (", 1)[0]

    def excellent_count(self) -> int:
        grades = self.grades()
        return sum(1 for g in self.chosen.values() if grades and g == grades[0])

    def cap_text(self) -> str:
        cap = self.appraisal.get("max_excellent")
        n = len(self.appraisal.get("planners") or [])
        if cap is None:
            return self.tr("appraisal.no_cap", chosen=self.excellent_count())
        return self.tr("appraisal.cap", chosen=self.excellent_count(), cap=cap, n=n)

    def reasons_text(self, reasons: Any) -> str:
        out = []
        for r in reasons or []:
            code = r if isinstance(r, str) else r.get("code")
            out.append(
                self.tr(f"reason.{code}") if f"reason.{code}" in i18n.CATALOGUE[self.lang] else str(code)
            )
        return "、".join(out) if self.lang == "zh" else ", ".join(out)

    def choose(self, planner_id: int, grade: str) -> None:
        self.chosen = {**self.chosen, planner_id: grade}
        self.error = None

    async def save_grades(self) -> bool:
        """Send the final grades; a CQ-9 refusal names who went over the cap, in plain words."""
        try:
            await self.client.set_grades(self.year, dict(self.chosen))
        except ServerError as exc:
            if isinstance(exc, Refused) and exc.status == 422 and (exc.field or "").startswith("grades"):
                self.error = self._cap_refusal(exc.field or "")
            else:
                self._fail(exc)
            return False
        await self.load_appraisal()
        self.notice = self.tr("appraisal.saved")
        return True

    def _cap_refusal(self, field: str) -> str:
        """The server's CQ-9 refusal ("grades.<planner id>") in words: who, the cap, the share."""
        cap = self.appraisal.get("max_excellent")
        pid = field.split(".", 1)[1] if "." in field else ""
        name = next(
            (
                str(p.get("display_name"))
                for p in self.appraisal.get("planners") or []
                if str(p.get("planner_id")) == pid
            ),
            pid,
        )
        pct = round(float(self.appraisal.get("excellent_cap") or 0) * 100)
        return self.tr(
            "appraisal.refused_cap",
            name=name,
            cap=cap if cap is not None else "?",
            pct=pct,
            n=len(self.appraisal.get("planners") or []),
            grade=self.grade_label(self.grades()[0]) if self.grades() else "",
        )

    # --- a planner's dossier ---------------------------------------------------------------------------

    async def open_dossier(self, planner_id: int) -> None:
        try:
            self.dossier = await self.client.dossier(self.year, planner_id)
        except ServerError as exc:
            self._fail(exc)
            return
        self.dossier_of = planner_id
        self.go("dossier")

    def _indicators(self) -> Any:
        """The dossier's indicators, whether the server nests them under "dossier"/"indicators" or not."""
        inner = self.dossier.get("dossier")
        body: dict[str, Any] = inner if isinstance(inner, dict) else self.dossier
        found = body.get("indicators")
        return found if isinstance(found, dict | list) else body

    def dossier_items(self) -> list[tuple[str, str, list[str]]]:
        """(indicator label, value, the records behind it as short lines)."""
        indicators = self._indicators()
        items: list[tuple[str, str, list[str]]] = []
        pairs = (
            indicators.items() if isinstance(indicators, dict) else ((i.get("code"), i) for i in indicators)
        )
        for code, ind in pairs:
            if not isinstance(ind, dict) or "value" not in ind:
                continue
            label_key = f"indicator.{code}"
            label = (
                self.tr(label_key)
                if label_key in i18n.CATALOGUE[self.lang]
                else str(ind.get("label") or code)
            )
            value = ind.get("value")
            shown = (
                "—" if value is None else fmt_hours(float(value)) if isinstance(value, float) else str(value)
            )
            records = [self._record_line(r) for r in ind.get("records") or ind.get("record_ids") or []]
            items.append((label, shown, records))
        return items

    def consequences(self) -> list[str]:
        """What the final grade leads to (PDS-10, CQ-10, CQ-11), as the server recorded it."""
        out = []
        for c in self.dossier.get("consequences") or []:
            key = f"consequence.{c.get('code')}"
            words = self.tr(key) if key in i18n.CATALOGUE[self.lang] else str(c.get("code"))
            out.append(f"{words} ({c.get('rule_id')})" if c.get("rule_id") else words)
        return out

    def dossier_opinion_ids(self) -> list[str]:
        """The planner's written opinions this year (each downloadable as a formal DOCX)."""
        indicators = self._indicators()
        ind = indicators.get("opinions") if isinstance(indicators, dict) else None
        if not isinstance(ind, dict):
            return []
        out = []
        for r in ind.get("record_ids") or ind.get("records") or []:
            out.append(str(r.get("id")) if isinstance(r, dict) else str(r))
        return out

    def _record_line(self, r: Any) -> str:
        """One record behind a number: its day, what it was, and what was decided about it."""
        if not isinstance(r, dict):
            return str(r)
        when = r.get("date") or r.get("started_at") or r.get("issued_at") or ""
        what = r.get("summary") or r.get("site") or r.get("subject") or r.get("topic") or ""
        extra = []
        if r.get("review"):
            extra.append(self.tr(f"review.{r['review']}"))
        if r.get("adoption"):
            extra.append(self.tr(f"follow.{r['adoption']}"))
        if r.get("quality") is not None:
            extra.append(self.tr("dossier.quality", quality=r["quality"]))
        if r.get("status"):
            extra.append(self.tr(f"activity.status.{r['status']}"))
        return " · ".join(str(x) for x in (when, what, *extra) if x)


@ft.component
@logged
def AppraisalScreen(coord: CoordinatorState) -> ft.Control:
    grades = coord.grades()

    def row(p: dict[str, Any]) -> ft.Control:
        pid = int(p["planner_id"])

        async def dossier(_: Any) -> None:
            await coord.open_dossier(pid)

        final = p.get("final_grade")
        return panel(
            text(str(p.get("display_name") or pid), 19, ft.FontWeight.BOLD),
            text(
                coord.tr(
                    "appraisal.suggested",
                    grade=coord.grade_label(str(p.get("suggested_grade") or "")),
                    reasons=coord.reasons_text(p.get("suggestion_reasons")),
                ),
                16,
                color=MUTED,
            ),
            text(coord.tr("appraisal.final", grade=coord.grade_label(str(final))), 16, color=ACCENT)
            if final
            else None,
            choice_row(
                [
                    choice_button(
                        coord.grade_short(g),
                        coord.chosen.get(pid) == g,
                        lambda _, grade=g: coord.choose(pid, grade),
                        size=16,
                    )
                    for g in grades
                ]
            ),
            button(
                coord.tr("appraisal.dossier_of", name=p.get("display_name") or pid),
                dossier,
                icon=ft.Icons.FOLDER_OPEN,
            ),
        )

    async def save(_: Any) -> None:
        await coord.save_grades()

    rows = [row(p) for p in coord.appraisal.get("planners") or []]
    return column(
        year_bar(coord),
        text(coord.tr("appraisal.title"), 24, ft.FontWeight.BOLD),
        text(coord.cap_text(), 17),
        banner(coord.notice),
        banner(coord.error, error=True),
        *rows,
        banner(coord.error, error=True) if rows else None,
        big_button(coord.tr("appraisal.save"), save, icon=ft.Icons.SAVE),
    )


@ft.component
@logged
def DossierScreen(coord: CoordinatorState) -> ft.Control:
    d = coord.dossier
    name = (
        d.get("display_name") or d.get("planner_name") or (d.get("dossier") or {}).get("planner_name") or ""
    )
    blocks: list[ft.Control | None] = [
        ft.ExpansionTile(
            title=ft.Text(
                f"{label}：{value}" if coord.lang == "zh" else f"{label}: {value}", size=18, color=INK
            ),
            subtitle=ft.Text(
                coord.tr("dossier.records", count=len(records))
                if records
                else coord.tr("dossier.no_records"),
                size=15,
                color=MUTED,
            ),
            controls=[
                ft.Container(text(line, 15), padding=ft.Padding.only(left=16, bottom=6)) for line in records
            ]
            or [
                ft.Container(
                    text(coord.tr("dossier.no_records"), 15, color=MUTED),
                    padding=ft.Padding.only(left=16),
                )
            ],
            bgcolor="#f4f6fa",
            collapsed_bgcolor="#f4f6fa",
        )
        for label, value, records in coord.dossier_items()
    ]
    opinion_buttons = [
        button(
            coord.tr("dossier.opinion_docx", id=oid[:8]),
            download(coord, "opinion", opinion_id=oid),
            icon=ft.Icons.DESCRIPTION,
        )
        for oid in coord.dossier_opinion_ids()
    ]
    return column(
        text(coord.tr("dossier.title", name=name, year=coord.year), 24, ft.FontWeight.BOLD),
        text(coord.tr("appraisal.final", grade=coord.grade_label(str(d["final_grade"]))), 18, color=ACCENT)
        if d.get("final_grade")
        else None,
        *[
            ft.Row(
                [
                    ft.Icon(ft.Icons.ARROW_RIGHT_ALT, color=ACCENT, size=22),
                    ft.Container(text(c, 16), expand=True),
                ],
                spacing=6,
            )
            for c in coord.consequences()
        ],
        banner(coord.notice),
        banner(coord.error, error=True),
        stack(blocks, spacing=8),
        *opinion_buttons,
    )
