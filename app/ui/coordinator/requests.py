"""District requests (PDS-7) for the bureau: each request with its specialties, seats and service focus; one
request's pool members ranked by specialty match with the reasons, those left out with why (serving
elsewhere, in notice), and the pick that dispatches one of them.

In pingdingshan the pick starts the service (the day it starts, and the new planner's account when the
member has none); in chongqing it proposes the dispatch, and CQ-3's steps follow on the dispatch's page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import (
    RequestRow,
    form_values,
    heading,
    line,
    muted,
    request_row,
    section,
    setter,
    status_chip,
    title_row,
    today_in,
    valid_day,
)
from app.ui.theme import ERR
from app.ui.widgets import banner, big_button, button, column, logged, panel, tap_card, text, text_field

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class RequestsState(TermBase):
    """Requests, one request's ranking, and the pick."""

    async def load_requests(self) -> bool:
        return await self._load("requests", requests=self.client.dispatch_requests())

    def request_rows(self) -> list[RequestRow]:
        order = {"open": 0, "filled": 1, "withdrawn": 2}
        rows = sorted(
            self.requests, key=lambda r: (order.get(str(r.get("status")), 3), -int(r.get("id") or 0))
        )
        return [self.request_row(r) for r in rows]

    def request_row(self, r: dict[str, Any]) -> RequestRow:
        return request_row(self, r)

    async def open_request(self, request_id: int) -> bool:
        """The request's ranking; the pool too, to know which members have a planner account already."""
        return await self._load(
            "request", ranked=self.client.ranked_candidates(request_id), pool=self.client.candidates()
        )

    def has_account(self, candidate_id: int) -> bool:
        for c in self.pool.get("candidates") or []:
            if int(c["id"]) == candidate_id:
                return c.get("user_id") is not None
        return False

    @property
    def steps_first(self) -> bool:
        """The profile appoints through CQ-3's steps: the pick only proposes the dispatch."""
        return bool(self.words.body.get("appointment_steps"))

    def ranked_lines(self) -> list[dict[str, Any]]:
        """Each ranked member in words: rank, name, reasons."""
        return [
            {
                "candidate_id": int(c["candidate_id"]),
                "rank": c.get("rank"),
                "name": c.get("name"),
                "reasons": [self.reason(r) for r in c.get("reasons") or []],
                "full_match": not c.get("missing"),
            }
            for c in self.ranked.get("candidates") or []
        ]

    def excluded_lines(self) -> list[str]:
        return [f"{e.get('name')}：{self.reason(e.get('reason'))}" for e in self.ranked.get("excluded") or []]

    async def pick(self, candidate_id: int, starts_on: str, username: str, password: str) -> bool:
        """Dispatch a member for the request on screen; the dispatch's page shows what follows."""
        request_id = int((self.ranked.get("request") or {})["id"])
        body: dict[str, Any] = {"candidate_id": candidate_id}
        if not self.steps_first:
            raw = starts_on.strip()
            if raw and not valid_day(raw):
                self.error = self.bad_day("starts_on")
                return False
            if raw:
                body["starts_on"] = raw
            if not self.has_account(candidate_id):
                if not username.strip():
                    self.error = self.needs("username")
                    return False
                body["account"] = {"username": username.strip(), "password": password}
        try:
            self.dispatch = await self.client.pick(request_id, body)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.go("dispatch")
        self.notice = self.tr(
            "req.picked_steps" if self.steps_first else "req.picked",
            name=self.dispatch.get("name"),
            district=self.dispatch.get("district_name"),
        )
        return True


def request_card(coord: Any, r: RequestRow, on_click: Any) -> ft.Control:
    return tap_card(
        [
            title_row(r.district, status_chip(r.status, r.status_label)),
            text(r.specialties, 17),
            muted(r.seats),
            text(r.focus, 16) if r.focus else None,
            muted(r.filed),
            text(coord.tr("req.replacement"), 16, color=ERR) if r.replacement else None,
        ],
        on_click,
    )


@ft.component
@logged
def RequestsScreen(coord: CoordinatorState) -> ft.Control:
    def opener(rid: int) -> Any:
        async def on_click(_: Any) -> None:
            await coord.open_request(rid)

        return on_click

    rows = coord.request_rows()
    return column(
        heading(coord.tr("term.requests")),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        *[request_card(coord, r, opener(r.request_id)) for r in rows],
        muted(coord.tr("req.none")) if not rows else None,
    )


@ft.component
@logged
def RequestScreen(coord: CoordinatorState) -> ft.Control:
    form: Any = form_values({"starts_on": today_in(coord.tz), "username": "", "password": ""})
    values: dict[str, Any] = form.current
    chosen, set_chosen = ft.use_state(0)
    req = dict(coord.ranked.get("request") or {})
    if not req:
        return column(muted(coord.tr("req.none")))
    r = coord.request_row(req)
    is_open = r.status == "open"

    def choose(cid: int) -> Any:
        return lambda _: set_chosen(0 if chosen == cid else cid)

    async def dispatch_chosen(_: Any) -> None:
        await coord.pick(chosen, values["starts_on"], values["username"], values["password"])

    def pick_form(cid: int) -> ft.Control:
        needs_account = not coord.steps_first and not coord.has_account(cid)
        return ft.Column(
            [
                c
                for c in (
                    muted(coord.tr("req.steps_hint")) if coord.steps_first else None,
                    text_field(
                        coord.tr("field.service_starts_on"), values["starts_on"], setter(values, "starts_on")
                    )
                    if not coord.steps_first
                    else None,
                    muted(coord.tr("req.account_hint")) if needs_account else None,
                    text_field(coord.tr("field.username"), values["username"], setter(values, "username"))
                    if needs_account
                    else None,
                    text_field(
                        coord.tr("field.password"),
                        values["password"],
                        setter(values, "password"),
                        password=True,
                    )
                    if needs_account
                    else None,
                    big_button(coord.tr("req.dispatch_now"), dispatch_chosen, icon=ft.Icons.SEND),
                )
                if c is not None
            ],
            spacing=8,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )

    ranked = [
        panel(
            title_row(
                coord.tr("req.rank", rank=m["rank"], name=m["name"]),
                status_chip(
                    "member" if m["full_match"] else "open",
                    coord.tr("req.match" if m["full_match"] else "req.partial"),
                ),
                size=18,
            ),
            *[text(w, 16) for w in m["reasons"]],
            button(coord.tr("req.choose"), choose(m["candidate_id"]), icon=ft.Icons.TOUCH_APP)
            if is_open and chosen != m["candidate_id"]
            else None,
            pick_form(m["candidate_id"]) if is_open and chosen == m["candidate_id"] else None,
        )
        for m in coord.ranked_lines()
    ]
    return column(
        title_row(r.district, status_chip(r.status, r.status_label), 24),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        section(
            coord.tr("req.what"),
            line(coord.tr("field.specialties"), r.specialties),
            line(coord.tr("req.seats_label"), r.seats),
            line(coord.tr("field.service_focus"), r.focus),
            muted(r.filed),
            text(coord.tr("req.replacement"), 16, color=ERR) if r.replacement else None,
        ),
        text(coord.tr("req.ranked", rule=coord.ranked.get("rule_id") or "PDS-7"), 20, ft.FontWeight.BOLD),
        *ranked,
        muted(coord.tr("req.no_members")) if not ranked else None,
        section(coord.tr("req.excluded"), *[text(x, 16) for x in coord.excluded_lines()])
        if coord.excluded_lines()
        else None,
    )
