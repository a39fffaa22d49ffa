"""The pool (资源库/专家库) for the bureau: candidates with their eligibility and its reasons, by status;
a new candidate from the public call; one candidate's page: review, the public notice with the end the server
computed on China's working days (PDS-4), objections and their decision, CQ-2's exception with its written
reason, and removal with one of PDS-6's coded reasons. Members long without service and the specialties
the open requests need but the pool lacks (PDS-5) sit under the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import (
    check_line,
    choice_wrap,
    form_values,
    heading,
    labelled,
    line,
    muted,
    section,
    setter,
    status_chip,
    title_row,
    today_in,
    valid_day,
)
from app.ui.theme import MUTED
from app.ui.widgets import (
    banner,
    big_button,
    button,
    column,
    dropdown,
    logged,
    tap_card,
    text,
    text_field,
)

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState

PAGE_SIZE = 30
#: The statuses offered as filters, in the order a coordinator works through them.
FILTERS = ("applied", "approved", "in_notice", "member", "cancelled", "rejected", "removed", "dismissed")


@dataclass(frozen=True)
class CandidateRow:
    """One candidate in the list, in words."""

    candidate_id: int
    name: str
    status: str
    status_label: str
    eligibility: str
    eligible: bool
    specialties: str
    notice: str | None
    objection_open: bool
    service: str | None


class PoolState(TermBase):
    """The pool's list and one candidate's page; each change is one request, and the page shows the answer."""

    async def load_pool(self, status: str | None = None) -> bool:
        self.pool_status = status
        return await self._load(
            "pool",
            pool=self.client.candidates(status),
            specialty_gaps=self.client.specialty_gaps(),
        )

    async def load_idle(self, days: str) -> None:
        """PDS-5: members with no service for ``days`` (the policies set no period, so a person says it)."""
        raw = days.strip()
        if raw and not raw.isdigit():
            self.error = self.needs("days")
            return
        try:
            self.idle = await self.client.idle_members(int(raw) if raw else None)
        except ServerError as exc:
            self.refused(exc)
            return
        self.error = None

    def eligibility_text(self, c: dict[str, Any]) -> tuple[str, bool]:
        e = dict(c.get("eligibility") or {})
        rule = e.get("rule_id") or ""
        if e.get("eligible"):
            route = e.get("route")
            key = "pool.eligible_exception" if route == "exception" else "pool.eligible"
            return self.tr(key, rule=rule), True
        failed = [ch for ch in e.get("checks") or [] if not ch.get("ok")]
        why = (
            "；".join(self.reason(ch) for ch in failed[:2])
            if self.lang == "zh"
            else "; ".join(self.reason(ch) for ch in failed[:2])
        )
        if e.get("exception_possible"):
            return self.tr("pool.not_eligible_exception", rule=rule, why=why), False
        return self.tr("pool.not_eligible", rule=rule, why=why), False

    def notice_text(self, notice: dict[str, Any] | None, today: str) -> str | None:
        if not notice:
            return None
        if str(notice.get("ends_on") or "") < today:
            return self.tr("pool.notice_over", starts=notice["starts_on"], ends=notice["ends_on"])
        return self.tr(
            "pool.notice_running",
            starts=notice["starts_on"],
            ends=notice["ends_on"],
            enters=notice["enters_on"],
        )

    def candidate_rows(self) -> list[CandidateRow]:
        """The candidates, those waiting for a person first (review, notice), then the members."""
        today = str(self.pool.get("today") or "")
        rows = []
        order = {code: i for i, code in enumerate(FILTERS)}
        listed = sorted(self.pool.get("candidates") or [], key=lambda c: order.get(str(c.get("status")), 99))
        for c in listed:
            words, ok = self.eligibility_text(c)
            service = c.get("service")
            rows.append(
                CandidateRow(
                    candidate_id=int(c["id"]),
                    name=str(c.get("name") or ""),
                    status=str(c.get("status")),
                    status_label=self.label("pool_statuses", c.get("status")),
                    eligibility=words,
                    eligible=ok,
                    specialties=self.labels("specialties", c.get("specialties")),
                    notice=self.notice_text(c.get("notice"), today)
                    if c.get("status") == "in_notice"
                    else None,
                    objection_open=bool(c.get("objection_open")),
                    service=self.tr(
                        "pool.serving_in",
                        district=service.get("district_name"),
                        status=self.label("dispatch_statuses", service.get("status")),
                    )
                    if service
                    else None,
                )
            )
        return rows

    def filters(self) -> list[tuple[str, str]]:
        counts = dict(self.pool.get("counts") or {})
        total = sum(int(v) for v in counts.values())
        shown = [("", self.tr("pool.all", n=total))]
        for code in FILTERS:
            if counts.get(code) or self.pool_status == code:
                shown.append((code, f"{self.label('pool_statuses', code)} {counts.get(code, 0)}"))
        return shown

    def gap_lines(self) -> list[str]:
        return [
            self.tr(
                "pool.gap_line",
                specialty=self.label("specialties", g.get("specialty")),
                seats=g.get("seats", 0),
                available=g.get("available", 0),
                short=g.get("short_by", 0),
            )
            for g in self.specialty_gaps.get("gaps") or []
        ]

    # --- one candidate -------------------------------------------------------------------------------

    async def open_candidate(self, candidate_id: int) -> bool:
        return await self._load("candidate", candidate=self.client.candidate(candidate_id))

    def new_candidate(self) -> None:
        self.error = None
        self.go("new_candidate")

    async def add_candidate(self, values: dict[str, Any]) -> bool:
        """Enter a candidate from the public call; eligibility is computed by the server from these data."""
        body: dict[str, Any] = {}
        for key in ("name", "organisation", "contact", "practising_qualification", "local_familiarity"):
            if str(values.get(key) or "").strip():
                body[key] = str(values[key]).strip()
        if "name" not in body:
            self.error = self.needs("name")
            return False
        applied = str(values.get("applied_on") or "").strip()
        if applied and not valid_day(applied):
            self.error = self.bad_day("applied_on")
            return False
        if applied:
            body["applied_on"] = applied
        for key in ("degree", "degree_field", "title"):
            if values.get(key):
                body[key] = values[key]
        years = str(values.get("years_in_field") or "").strip()
        if years:
            if not years.isdigit():
                self.error = self.needs("years_in_field")
                return False
            body["years_in_field"] = int(years)
        body["registered_planner"] = bool(values.get("registered_planner"))
        body["specialties"] = list(values.get("specialties") or [])
        if not body["specialties"]:
            self.error = self.needs("specialties")
            return False
        violations = str(values.get("violations") or "").strip()
        body["violations"] = [{"on": None, "note": v.strip()} for v in violations.splitlines() if v.strip()]
        try:
            self.candidate = await self.client.add_candidate(body)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.go("candidate")
        self.notice = self.tr("pool.entered", name=self.candidate.get("name"))
        return True

    async def _change(self, pending: Any, notice: str) -> bool:
        try:
            answer = await pending
        except ServerError as exc:
            self.refused(exc)
            return False
        if isinstance(answer, dict) and "eligibility" in answer:
            self.candidate = answer
        else:
            self.candidate = await self.client.candidate(int(self.candidate["id"]))
        self.error = None
        self.notice = notice
        return True

    def _day(self, value: str | None, field: str) -> str | bool | None:
        """A typed day (empty: None); False after saying it is not a day."""
        raw = (value or "").strip()
        if not raw:
            return None
        if not valid_day(raw):
            self.error = self.bad_day(field)
            return False
        return raw

    async def review(self, outcome: str, note: str, reviewed_on: str) -> bool:
        if outcome == "rejected" and not note.strip():
            self.error = self.needs("review_note")
            return False
        on = self._day(reviewed_on, "reviewed_on")
        if on is False:
            return False
        body = {"outcome": outcome, "note": note.strip() or None, "reviewed_on": on}
        cid = int(self.candidate["id"])
        return await self._change(
            self.client.review_candidate(cid, {k: v for k, v in body.items() if v is not None}),
            self.tr(f"pool.reviewed_{outcome}"),
        )

    async def publish_notice(self, starts_on: str) -> bool:
        on = self._day(starts_on, "starts_on")
        if on is False:
            return False
        if on is None:
            self.error = self.needs("starts_on")
            return False
        ok = await self._change(self.client.publish_notice(int(self.candidate["id"]), {"starts_on": on}), "")
        if ok:
            n = self.candidate.get("notice") or {}
            self.notice = self.tr("pool.notice_published", starts=n.get("starts_on"), ends=n.get("ends_on"))
        return ok

    async def add_objection(self, filed_on: str, content: str, source: str) -> bool:
        on = self._day(filed_on, "filed_on")
        if on is False:
            return False
        if on is None:
            self.error = self.needs("filed_on")
            return False
        if not content.strip():
            self.error = self.needs("objection")
            return False
        body = {"filed_on": on, "content": content.strip(), "source": source.strip() or None}
        return await self._change(
            self.client.add_objection(int(self.candidate["id"]), {k: v for k, v in body.items() if v}),
            self.tr("pool.objection_added"),
        )

    async def decide_objection(self, objection_id: int, outcome: str, note: str) -> bool:
        if not note.strip():
            self.error = self.needs("decision_note")
            return False
        return await self._change(
            self.client.decide_objection(objection_id, {"outcome": outcome, "note": note.strip()}),
            self.tr("pool.objection_decided", outcome=self.label("objection_statuses", outcome)),
        )

    async def grant_exception(self, reason: str) -> bool:
        if not reason.strip():
            self.error = self.needs("exception_reason")
            return False
        return await self._change(
            self.client.grant_exception(int(self.candidate["id"]), reason.strip()),
            self.tr("pool.exception_granted"),
        )

    async def remove(self, reason: str, note: str, removed_on: str) -> bool:
        if not reason:
            self.error = self.needs("removal_reason")
            return False
        if not note.strip():
            self.error = self.needs("removal_note")
            return False
        on = self._day(removed_on, "removed_on")
        if on is False:
            return False
        body = {"reason": reason, "note": note.strip(), "removed_on": on}
        return await self._change(
            self.client.remove_member(int(self.candidate["id"]), {k: v for k, v in body.items() if v}),
            self.tr("pool.removed", reason=self.label("removal_reasons", reason)),
        )

    def candidate_facts(self) -> list[tuple[str, str]]:
        """(label, value) of what the rules look at, in words; unset facts left out."""
        c = self.candidate
        facts = [
            ("field.organisation", c.get("organisation")),
            ("field.applied_on", c.get("applied_on")),
            ("field.degree", self.label("degrees", c.get("degree"))),
            ("field.degree_field", self.label("degree_fields", c.get("degree_field"))),
            ("field.title", self.label("titles", c.get("title"))),
            ("field.registered_planner", self.tr("yes") if c.get("registered_planner") else self.tr("no")),
            ("field.practising_qualification", c.get("practising_qualification")),
            ("field.years_in_field", c.get("years_in_field")),
            ("field.specialties", self.labels("specialties", c.get("specialties"))),
            ("field.local_familiarity", c.get("local_familiarity")),
            ("field.violations", len(c.get("violations") or []) or None),
        ]
        return [(self.tr(k), str(v)) for k, v in facts if v not in (None, "")]


# --- screens ---------------------------------------------------------------------------------------------


def _candidate_card(coord: CoordinatorState, r: CandidateRow) -> ft.Control:
    async def open_(_: Any) -> None:
        await coord.open_candidate(r.candidate_id)

    return tap_card(
        [
            title_row(r.name, status_chip(r.status, r.status_label)),
            check_line(r.eligible, r.eligibility),
            muted(r.specialties) if r.specialties else None,
            text(r.notice, 16) if r.notice else None,
            text(coord.tr("pool.objection_open"), 16, color="#b00020") if r.objection_open else None,
            muted(r.service) if r.service else None,
        ],
        open_,
    )


@ft.component
@logged
def PoolScreen(coord: CoordinatorState) -> ft.Control:
    days: Any = form_values({"days": ""})
    values: dict[str, Any] = days.current
    shown, set_shown = ft.use_state(PAGE_SIZE)
    rows = coord.candidate_rows()

    async def pick(code: str) -> None:
        await coord.load_pool(code or None)

    async def idle(_: Any) -> None:
        await coord.load_idle(values["days"])

    idle_members = coord.idle.get("members") if coord.idle else None
    return column(
        heading(coord.pool_name()),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        big_button(coord.tr("pool.new"), lambda _: coord.new_candidate(), icon=ft.Icons.PERSON_ADD),
        choice_wrap(coord.filters(), lambda code: (code or None) == coord.pool_status, pick),
        *[_candidate_card(coord, r) for r in rows[:shown]],
        button(coord.tr("dash.more", count=len(rows) - shown), lambda _: set_shown(shown + PAGE_SIZE))
        if len(rows) > shown
        else None,
        muted(coord.tr("pool.none")) if not coord.pool.get("candidates") else None,
        section(coord.tr("pool.gaps_title"), *[text(g, 16) for g in coord.gap_lines()])
        if coord.gap_lines()
        else None,
        section(
            coord.tr("pool.idle_title"),
            muted(coord.tr("pool.idle_hint")),
            text_field(coord.tr("field.days"), values["days"], setter(values, "days")),
            button(coord.tr("pool.idle_show"), idle, icon=ft.Icons.HOURGLASS_BOTTOM),
            *(
                [
                    text(
                        coord.tr("pool.idle_line", name=m.get("name"), since=m.get("last_service") or "—"), 16
                    )
                    for m in idle_members
                ]
                if idle_members
                else [muted(coord.tr("pool.idle_none", days=coord.idle.get("days")))]
                if coord.idle
                else []
            ),
        ),
    )


@ft.component
@logged
def NewCandidateScreen(coord: CoordinatorState) -> ft.Control:
    form: Any = form_values(
        {
            "name": "",
            "applied_on": today_in(coord.tz),
            "organisation": "",
            "contact": "",
            "degree": None,
            "degree_field": None,
            "title": None,
            "registered_planner": False,
            "practising_qualification": "",
            "years_in_field": "",
            "specialties": [],
            "local_familiarity": "",
            "violations": "",
        }
    )
    values: dict[str, Any] = form.current
    _, redraw = ft.use_state(0)

    def choose(key: str) -> Any:
        def pick(code: str) -> None:
            values[key] = None if values.get(key) == code else code
            redraw(lambda n: n + 1)

        return pick

    def toggle(code: str) -> None:
        chosen = list(values["specialties"])
        values["specialties"] = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
        redraw(lambda n: n + 1)

    def registered(e: ft.Event[ft.Checkbox]) -> None:
        values["registered_planner"] = bool(e.control.value)

    async def save(_: Any) -> None:
        await coord.add_candidate(values)

    def field(key: str, *, multiline: bool = False, hint: str | None = None) -> ft.Control:
        return text_field(
            coord.tr(f"field.{key}"), values[key], setter(values, key), multiline=multiline, hint=hint
        )

    def choice(key: str, kind: str) -> ft.Control:
        return labelled(
            coord.tr(f"field.{key}"),
            choice_wrap(coord.choices(kind), lambda c: values.get(key) == c, choose(key)),
        )

    return column(
        heading(coord.tr("pool.new_title")),
        muted(coord.tr("pool.new_hint")),
        field("name"),
        field("applied_on", hint="2026-09-01"),
        field("organisation"),
        field("contact"),
        choice("degree", "degrees"),
        choice("degree_field", "degree_fields"),
        choice("title", "titles"),
        ft.Checkbox(
            label=coord.tr("field.registered_planner"),
            value=bool(values["registered_planner"]),
            on_change=registered,
            label_style=ft.TextStyle(size=18),
        ),
        field("practising_qualification"),
        field("years_in_field"),
        labelled(
            coord.tr("field.specialties"),
            choice_wrap(coord.choices("specialties"), lambda c: c in values["specialties"], toggle),
        ),
        field("local_familiarity", multiline=True),
        field("violations", multiline=True, hint=coord.tr("pool.violations_hint")),
        banner(coord.error, error=True),
        big_button(coord.tr("pool.save_candidate"), save, icon=ft.Icons.SAVE),
    )


def _eligibility_panel(coord: CoordinatorState) -> ft.Control:
    c = coord.candidate
    e = dict(c.get("eligibility") or {})
    words, ok = coord.eligibility_text(c)
    return section(
        coord.tr("pool.eligibility"),
        check_line(ok, words),
        *[check_line(bool(ch.get("ok")), coord.reason(ch)) for ch in e.get("checks") or []],
        muted(coord.reason({"code": "exception_possible", "params": {}}))
        if e.get("exception_possible")
        else None,
    )


def _review_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    c = coord.candidate
    if c.get("status") != "applied":
        review = c.get("review")
        if not review:
            return None
        return section(
            coord.tr("pool.review"),
            line(coord.tr("pool.reviewed_on"), review.get("on")),
            line(coord.tr("pool.by"), review.get("by")),
            line(coord.tr("field.note"), review.get("note")),
        )

    async def approve(_: Any) -> None:
        await coord.review("approved", values["review_note"], values["reviewed_on"])

    async def reject(_: Any) -> None:
        await coord.review("rejected", values["review_note"], values["reviewed_on"])

    return section(
        coord.tr("pool.review"),
        text_field(coord.tr("field.reviewed_on"), values["reviewed_on"], setter(values, "reviewed_on")),
        text_field(
            coord.tr("field.review_note"),
            values["review_note"],
            setter(values, "review_note"),
            multiline=True,
        ),
        big_button(coord.tr("pool.approve"), approve, icon=ft.Icons.CHECK),
        button(coord.tr("pool.reject"), reject, icon=ft.Icons.CLOSE),
    )


def _notice_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    c = coord.candidate
    n = c.get("notice")
    days = coord.words.rules.get("pool_notice_working_days")
    if n:
        return section(
            coord.tr("pool.notice"),
            line(coord.tr("pool.notice_from"), n.get("starts_on")),
            line(coord.tr("pool.notice_to"), n.get("ends_on")),
            muted(
                coord.tr(
                    "pool.notice_rule",
                    days=n.get("working_days_required"),
                    earliest=n.get("earliest_end"),
                    rule=n.get("rule_id"),
                )
            ),
            line(coord.tr("pool.enters_on"), n.get("enters_on"))
            if c.get("status") in ("in_notice", "member")
            else None,
        )
    if c.get("status") != "approved" or not days:
        return None

    async def publish(_: Any) -> None:
        await coord.publish_notice(values["notice_from"])

    return section(
        coord.tr("pool.notice"),
        muted(coord.tr("pool.notice_hint", days=days)),
        text_field(coord.tr("field.starts_on"), values["notice_from"], setter(values, "notice_from")),
        big_button(coord.tr("pool.publish"), publish, icon=ft.Icons.CAMPAIGN),
    )


def _objections_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    c = coord.candidate
    objections = list(c.get("objections") or [])
    running = c.get("status") == "in_notice"
    if not objections and not running:
        return None

    def decider(oid: int, outcome: str) -> Any:
        async def on_click(_: Any) -> None:
            await coord.decide_objection(oid, outcome, values.get(f"decision-{oid}", ""))

        return on_click

    def objection(o: dict[str, Any]) -> ft.Control:
        oid = int(o["id"])
        key = f"decision-{oid}"
        values.setdefault(key, "")
        open_ = o.get("status") == "open"
        return ft.Container(
            ft.Column(
                [
                    c_
                    for c_ in (
                        title_row(
                            coord.tr("pool.objection_of", on=o.get("filed_on")),
                            status_chip(o.get("status"), coord.label("objection_statuses", o.get("status"))),
                            size=17,
                        ),
                        text(str(o.get("content") or ""), 16),
                        line(coord.tr("field.source"), o.get("source")),
                        line(coord.tr("pool.decision_note"), o.get("decision_note")),
                        text_field(
                            coord.tr("field.decision_note"), values[key], setter(values, key), multiline=True
                        )
                        if open_
                        else None,
                        ft.Row(
                            [
                                ft.Container(
                                    button(
                                        coord.tr("pool.upheld"), decider(oid, "upheld"), icon=ft.Icons.GAVEL
                                    ),
                                    expand=True,
                                ),
                                ft.Container(
                                    button(
                                        coord.tr("pool.dismissed"),
                                        decider(oid, "dismissed"),
                                        icon=ft.Icons.DONE,
                                    ),
                                    expand=True,
                                ),
                            ],
                            spacing=8,
                        )
                        if open_
                        else None,
                    )
                    if c_ is not None
                ],
                spacing=6,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ),
            padding=ft.Padding.only(top=8),
            border=ft.Border.only(top=ft.BorderSide(1, "#c9d1dc")),
        )

    async def add(_: Any) -> None:
        if await coord.add_objection(values["objection_on"], values["objection"], values["objection_source"]):
            values["objection"] = ""

    return section(
        coord.tr("pool.objections"),
        *[objection(o) for o in objections],
        muted(coord.tr("pool.no_objections")) if not objections else None,
        text(coord.tr("pool.new_objection"), 17, ft.FontWeight.BOLD) if running else None,
        text_field(coord.tr("field.filed_on"), values["objection_on"], setter(values, "objection_on"))
        if running
        else None,
        text_field(
            coord.tr("field.objection"), values["objection"], setter(values, "objection"), multiline=True
        )
        if running
        else None,
        text_field(coord.tr("field.source"), values["objection_source"], setter(values, "objection_source"))
        if running
        else None,
        button(coord.tr("pool.add_objection"), add, icon=ft.Icons.REPORT) if running else None,
    )


def _exception_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    c = coord.candidate
    granted = c.get("exception")
    if granted:
        return section(
            coord.tr("pool.exception"),
            text(str(granted.get("reason") or ""), 16),
            line(coord.tr("pool.by"), granted.get("by")),
        )
    if not (c.get("eligibility") or {}).get("exception_possible"):
        return None

    async def grant(_: Any) -> None:
        await coord.grant_exception(values["exception_reason"])

    return section(
        coord.tr("pool.exception"),
        muted(coord.tr("pool.exception_hint")),
        text_field(
            coord.tr("field.exception_reason"),
            values["exception_reason"],
            setter(values, "exception_reason"),
            multiline=True,
        ),
        button(coord.tr("pool.grant_exception"), grant, icon=ft.Icons.VERIFIED),
    )


def _removal_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    c = coord.candidate
    removal = c.get("removal")
    if removal:
        return section(
            coord.tr("pool.removal"),
            text(coord.label("removal_reasons", removal.get("reason")), 16),
            line(coord.tr("pool.removed_on"), removal.get("on")),
            line(coord.tr("field.note"), removal.get("note")),
            line(coord.tr("pool.by"), removal.get("by")),
        )
    if c.get("status") != "member":
        return None

    def set_reason(e: ft.Event[ft.Dropdown]) -> None:
        values["removal_reason"] = e.control.value or ""

    async def remove(_: Any) -> None:
        await coord.remove(values["removal_reason"], values["removal_note"], values["removed_on"])

    rule = coord.words.rules.get("pool_removal_rule_id") or ""
    return section(
        coord.tr("pool.removal"),
        muted(coord.tr("pool.removal_hint", rule=rule)),
        dropdown(
            coord.tr("field.removal_reason"),
            values["removal_reason"],
            coord.choices("removal_reasons"),
            set_reason,
        ),
        text_field(
            coord.tr("field.removal_note"),
            values["removal_note"],
            setter(values, "removal_note"),
            multiline=True,
        ),
        text_field(coord.tr("field.removed_on"), values["removed_on"], setter(values, "removed_on")),
        button(coord.tr("pool.remove"), remove, icon=ft.Icons.PERSON_REMOVE),
    )


@ft.component
@logged
def CandidateScreen(coord: CoordinatorState) -> ft.Control:
    today = today_in(coord.tz)
    form: Any = form_values(
        {
            "reviewed_on": today,
            "review_note": "",
            "notice_from": today,
            "objection_on": today,
            "objection": "",
            "objection_source": "",
            "exception_reason": "",
            "removal_reason": "",
            "removal_note": "",
            "removed_on": today,
        }
    )
    values: dict[str, Any] = form.current
    c = coord.candidate
    if not c:
        return column(muted(coord.tr("pool.none")))

    async def archive(_: Any) -> None:
        await coord.open_archive(int(c["id"]))

    return column(
        title_row(
            str(c.get("name") or ""),
            status_chip(c.get("status"), coord.label("pool_statuses", c.get("status"))),
            24,
        ),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        section(coord.tr("pool.facts"), *[line(k, v) for k, v in coord.candidate_facts()]),
        _eligibility_panel(coord),
        _exception_panel(coord, values),
        _review_panel(coord, values),
        _notice_panel(coord, values),
        _objections_panel(coord, values),
        _removal_panel(coord, values),
        button(coord.tr("archive.open"), archive, icon=ft.Icons.FOLDER_SHARED),
        text(coord.tr("pool.member_since", since=c["member_since"]), 16, color=MUTED)
        if c.get("member_since")
        else None,
    )
