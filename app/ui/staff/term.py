"""The planner's term for district staff: their planners' terms (days left, the latest grade), the days their
districts went without a planner (PDS-11), their requests, and filing one (PDS-7: specialties, how many
planners, the service focus, the responsibility area). The travel claims to decide (CQ-6) and the district's
part of the joint appraisal (PDS-10) open from here when the profile has them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.staff.base import StaffBase
from app.ui.termkit import (
    RequestRow,
    TermWords,
    choice_wrap,
    form_values,
    gaps_panel,
    heading,
    labelled,
    muted,
    request_row,
    section,
    setter,
    status_chip,
    term_summary,
    title_row,
)
from app.ui.theme import ACCENT
from app.ui.widgets import banner, big_button, button, column, half_and_half, logged, panel, text, text_field
from app.vocabulary import Words

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState


class StaffTermBase(StaffBase, TermWords):
    """The fields of the staff's term screens (declared by `StaffState`)."""

    words: Words
    staff_terms: dict[str, Any]
    staff_gaps: dict[str, Any]
    staff_requests: list[dict[str, Any]]
    claims: dict[str, Any]
    receipts: dict[str, bytes]
    assessment: dict[str, Any]
    assess_of: int | None

    async def ensure_term_words(self) -> bool:
        try:
            if not self.words.loaded:
                self.words = Words(await self.client.vocabulary())
            if not self.config:
                self.config = await self.client.config()
            if not self.districts:
                self.districts = await self.client.districts()
        except ServerError as exc:
            self.refused(exc)
            return False
        return True

    @property
    def profile(self) -> dict[str, Any]:
        return dict(self.config.get("profile") or {})


class StaffTermState(StaffTermBase):
    """The term tab: terms, gaps, requests; a new request."""

    async def load_term(self) -> bool:
        if not await self.ensure_term_words():
            return False
        self.busy = True
        try:
            self.staff_terms = await self.client.terms()
            self.staff_gaps = await self.client.district_gaps()
            self.staff_requests = await self.client.dispatch_requests()
            if self.profile.get("travel_claims"):
                self.claims = await self.client.claims()
        except ServerError as exc:
            self.refused(exc)
            return False
        finally:
            self.busy = False
        self.go("term")
        return True

    def new_request(self) -> None:
        self.error = None
        self.go("new_request")

    def request_rows(self) -> list[RequestRow]:
        return [
            request_row(self, r) for r in sorted(self.staff_requests, key=lambda r: -int(r.get("id") or 0))
        ]

    def pending_claims(self) -> int:
        return sum(1 for c in self.claims.get("claims") or [] if c.get("status") == "pending")

    async def file_request(self, values: dict[str, Any]) -> bool:
        """PDS-7: the district asks the bureau for planners; the bureau ranks the pool for it."""
        district = values.get("district_id") or (
            self.districts[0]["id"] if len(self.districts) == 1 else None
        )
        if not district:
            self.error = self.needs("district_id")
            return False
        if not values.get("specialties"):
            self.error = self.needs("specialties")
            return False
        needed = str(values.get("planners_needed") or "").strip()
        if not needed.isdigit() or int(needed) < 1:
            self.error = self.needs("planners_needed")
            return False
        if not str(values.get("service_focus") or "").strip():
            self.error = self.needs("service_focus")
            return False
        body: dict[str, Any] = {
            "district_id": int(district),
            "specialties": list(values["specialties"]),
            "planners_needed": int(needed),
            "service_focus": str(values["service_focus"]).strip(),
        }
        area = [str(values.get(k) or "").strip() for k in ("lat", "lon", "radius_m")]
        if any(area):
            try:
                lat, lon, radius = (float(v) for v in area)
            except ValueError:
                self.error = self.needs("responsibility_area")
                return False
            body["responsibility_area"] = {"center": [lat, lon], "radius_m": radius}
        if str(values.get("note") or "").strip():
            body["note"] = str(values["note"]).strip()
        try:
            made = await self.client.file_request(body)
        except ServerError as exc:
            self.refused(exc)
            return False
        if not await self.load_term():
            return False
        self.notice = self.tr("req.filed_notice", district=made.get("district_name"))
        return True


@ft.component
@logged
def StaffTermScreen(staff: StaffState) -> ft.Control:
    async def claims(_: Any) -> None:
        await staff.load_claims()

    def assess(pid: int) -> Any:
        async def on_click(_: Any) -> None:
            await staff.open_assessment(pid)

        return on_click

    joint = bool(staff.profile.get("district_assessment_criteria"))
    terms = list(staff.staff_terms.get("terms") or [])
    rows = staff.request_rows()
    return column(
        heading(staff.tr("sterm.title")),
        banner(staff.notice),
        banner(staff.error, error=True),
        ft.ProgressBar() if staff.busy else None,
        big_button(
            staff.tr("sterm.new_request"), lambda _: staff.new_request(), icon=ft.Icons.ASSIGNMENT_ADD
        ),
        button(staff.tr("sterm.claims", n=staff.pending_claims()), claims, icon=ft.Icons.RECEIPT_LONG)
        if staff.profile.get("travel_claims")
        else None,
        gaps_panel(staff, staff.staff_gaps),
        text(staff.tr("sterm.planners", n=len(terms)), 20, ft.FontWeight.BOLD),
        *[
            panel(
                title_row(
                    str(t.get("name") or ""),
                    status_chip(t.get("status"), staff.label("dispatch_statuses", t.get("status"))),
                ),
                muted(str(t.get("district_name") or "")),
                *term_summary(staff, t),
                button(staff.tr("assess.open"), assess(int(t["planner_id"])), icon=ft.Icons.RATE_REVIEW)
                if joint and t.get("planner_id") and t.get("status") == "serving"
                else None,
            )
            for t in terms
        ],
        muted(staff.tr("sterm.no_planners")) if not terms else None,
        text(staff.tr("sterm.requests"), 20, ft.FontWeight.BOLD),
        *[
            panel(
                title_row(r.district, status_chip(r.status, r.status_label)),
                text(r.specialties, 17),
                muted(r.seats),
                text(r.focus, 16),
                muted(r.filed),
                text(staff.tr("req.replacement"), 16, color=ACCENT) if r.replacement else None,
            )
            for r in rows
        ],
        muted(staff.tr("req.none")) if not rows else None,
    )


@ft.component
@logged
def NewRequestScreen(staff: StaffState) -> ft.Control:
    form: Any = form_values(
        {
            "district_id": str(staff.districts[0]["id"]) if len(staff.districts) == 1 else "",
            "specialties": [],
            "planners_needed": "1",
            "service_focus": "",
            "lat": "",
            "lon": "",
            "radius_m": "",
            "note": "",
        }
    )
    values: dict[str, Any] = form.current
    _, redraw = ft.use_state(0)

    def toggle(code: str) -> None:
        chosen = list(values["specialties"])
        values["specialties"] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
        redraw(lambda n: n + 1)

    def district(code: str) -> None:
        values["district_id"] = code
        redraw(lambda n: n + 1)

    async def send(_: Any) -> None:
        await staff.file_request(values)

    return column(
        heading(staff.tr("sterm.new_request")),
        muted(staff.tr("sterm.request_hint")),
        labelled(
            staff.tr("field.district_id"),
            choice_wrap(
                [(str(d["id"]), str(d.get("name") or d["id"])) for d in staff.districts],
                lambda c: values["district_id"] == c,
                district,
            ),
        )
        if len(staff.districts) > 1
        else None,
        labelled(
            staff.tr("field.specialties"),
            choice_wrap(staff.choices("specialties"), lambda c: c in values["specialties"], toggle),
        ),
        text_field(
            staff.tr("field.planners_needed"), values["planners_needed"], setter(values, "planners_needed")
        ),
        text_field(
            staff.tr("field.service_focus"),
            values["service_focus"],
            setter(values, "service_focus"),
            multiline=True,
        ),
        section(
            staff.tr("field.responsibility_area"),
            muted(staff.tr("sterm.area_hint")),
            half_and_half(
                text_field(staff.tr("field.lat"), values["lat"], setter(values, "lat")),
                text_field(staff.tr("field.lon"), values["lon"], setter(values, "lon")),
            ),
            text_field(staff.tr("field.radius_m"), values["radius_m"], setter(values, "radius_m")),
        ),
        text_field(staff.tr("field.note"), values["note"], setter(values, "note")),
        banner(staff.error, error=True),
        big_button(staff.tr("sterm.send_request"), send, icon=ft.Icons.SEND),
    )
