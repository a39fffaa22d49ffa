"""The district's part of the joint appraisal (PDS-10: the bureau and the district government appraise):
for one planner serving the district and one year, the district's words on each criterion the profile lists
(service attitude, professional ability, district feedback: no number, since the policy sets none) and the
grade it proposes, if any. The bureau reads it in the dossier beside the numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.staff.term import StaffTermBase
from app.ui.termkit import choice_wrap, form_values, heading, labelled, muted
from app.ui.widgets import banner, big_button, column, logged, text_field

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState


class AssessmentState(StaffTermBase):
    """One planner's district assessment of a year: read, and recorded again (the audit keeps the earlier)."""

    async def open_assessment(self, planner_id: int) -> bool:
        if not await self.ensure_term_words():
            return False
        self.assess_of = planner_id
        try:
            self.assessment = await self.client.district_assessment(self.year, planner_id)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.go("assessment")
        return True

    def assessed_name(self) -> str:
        for t in self.staff_terms.get("terms") or []:
            if t.get("planner_id") == self.assess_of:
                return str(t.get("name") or "")
        return str(self.assess_of or "")

    def criteria(self) -> list[tuple[str, str]]:
        """(code, label) of the criteria the server's profile asks the district about."""
        return [
            (str(c["code"]), str(c["zh"] if self.lang == "zh" else c["en"]))
            for c in self.assessment.get("criteria") or []
        ]

    def own_assessment(self) -> dict[str, Any]:
        """What this district recorded before (the first of the user's districts the planner serves)."""
        mine = {int(d["id"]) for d in self.districts}
        for a in self.assessment.get("assessments") or []:
            if int(a.get("district_id") or 0) in mine:
                return dict(a)
        return {}

    def assessed_district(self) -> int | None:
        own = self.own_assessment()
        if own:
            return int(own["district_id"])
        pending = [int(d) for d in self.assessment.get("districts_pending") or []]
        return pending[0] if pending else (int(self.districts[0]["id"]) if self.districts else None)

    def grade_choices(self) -> list[tuple[str, str]]:
        profile = dict(self.config.get("profile") or {})
        grades = list(profile.get("grades") or [])
        en = list(profile.get("grades_en") or grades)
        return [(g, g if self.lang == "zh" else en[i] if i < len(en) else g) for i, g in enumerate(grades)]

    async def save_assessment(self, words: dict[str, str], grade: str | None) -> bool:
        for code, _ in self.criteria():
            if not (words.get(code) or "").strip():
                self.error = self.needs(code)
                return False
        district = self.assessed_district()
        body: dict[str, Any] = {
            "district_id": district,
            "criteria": {code: words[code].strip() for code, _ in self.criteria()},
            "grade": grade or None,
        }
        try:
            await self.client.record_assessment(self.year, int(self.assess_of or 0), body)
            self.assessment = await self.client.district_assessment(self.year, int(self.assess_of or 0))
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr("assess.saved", name=self.assessed_name(), year=self.year)
        return True


@ft.component
@logged
def AssessmentScreen(staff: StaffState) -> ft.Control:
    own = staff.own_assessment()
    form: Any = form_values({**dict(own.get("criteria") or {}), "grade": own.get("grade") or ""})
    values: dict[str, Any] = form.current
    _, redraw = ft.use_state(0)

    def pick(code: str) -> None:
        values["grade"] = "" if values["grade"] == code else code
        redraw(lambda n: n + 1)

    async def save(_: Any) -> None:
        await staff.save_assessment(values, values.get("grade") or None)

    def on_change(code: str) -> Any:
        def handler(e: ft.Event[ft.TextField]) -> None:
            values[code] = e.control.value or ""

        return handler

    return column(
        heading(staff.tr("assess.title", name=staff.assessed_name(), year=staff.year)),
        muted(staff.tr("assess.hint")),
        banner(staff.notice),
        banner(staff.error, error=True),
        *[
            text_field(label, values.get(code, ""), on_change(code), multiline=True)
            for code, label in staff.criteria()
        ],
        labelled(
            staff.tr("assess.grade"),
            choice_wrap(staff.grade_choices(), lambda g: values["grade"] == g, pick),
        ),
        muted(
            staff.tr(
                "assess.recorded", by=own.get("recorded_by_name"), at=str(own.get("recorded_at") or "")[:10]
            )
        )
        if own
        else None,
        big_button(staff.tr("assess.save"), save, icon=ft.Icons.SAVE),
    )
