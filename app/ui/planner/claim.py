"""A travel claim from the planner (CQ-6): the trip's date, what it was, the amount, and a photo of the
receipt. The receipt goes through the app's photo pipeline (upright, EXIF and GPS stripped, resized) into the
phone's store, and is uploaded as every photo is (its bytes under its SHA-256) right before the claim is
filed; a claim needs the server, and without it nothing is sent and the form keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import AuthError, ServerError, Unreachable
from app.photos import PhotoError, prepare_photo
from app.ui.planner.term import TermState
from app.ui.session import signed_in
from app.ui.termkit import choice_wrap, heading, labelled, muted, today_in, valid_day
from app.ui.widgets import banner, big_button, button, column, text, text_field

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState

#: What a photo picked on the claim's screen is for (Services.picked hands it back to `add_photo`).
RECEIPT = "claim_receipt"


@dataclass
class ClaimForm:
    """What the planner typed so far (kept while they fetch the receipt)."""

    trip_on: str = ""
    trip: str = ""
    amount: str = ""
    district_id: int | None = None
    receipt: str | None = None


class ClaimState(TermState):
    """The claim being written, its receipt, and filing it."""

    claim: ClaimForm

    def new_claim(self) -> None:
        self.claim = ClaimForm(trip_on=today_in(self.tz), district_id=self.district_id)
        self.error = None
        self.field_error = None
        self.notice = None
        self._show("claim")

    def photo_target(self) -> tuple[str, str | None]:
        if self.screen == "claim":
            return RECEIPT, None
        return super().photo_target()

    def add_photo(self, kind: str, record_id: str | None, raw: bytes) -> str | None:
        """The receipt: prepared as every photo is and kept in the phone's store until it is sent."""
        if kind != RECEIPT:
            return super().add_photo(kind, record_id, raw)
        try:
            prepared = prepare_photo(raw)
        except PhotoError:
            self.field_error = self.tr("error.photo")
            return None
        try:
            sha: str = self.store.add_photo(prepared.jpeg, prepared.thumb)
        except Exception as exc:
            if not self._refused_by_storage(exc):
                raise
            return None
        self.claim.receipt = sha
        self.thumbs = {sha: prepared.thumb}
        self.field_error = None
        self.notice = self.tr("claim.receipt_added")
        return sha

    def _claim_problem(self) -> str | None:
        c = self.claim
        if not valid_day(c.trip_on):
            return self.bad_day("trip_on")
        if not c.trip.strip():
            return self.needs("trip")
        if not c.amount.strip():
            return self.needs("amount")
        if c.receipt is None:
            return self.needs("receipt")
        if c.district_id is None:
            return self.needs("district_id")
        return None

    async def file_claim(self) -> bool:
        """Upload the receipt (as the sync engine uploads photos), then file the claim; a sentence if not."""
        problem = self._claim_problem()
        if problem:
            self.field_error = problem
            return False
        client = self.online()
        if client is None:
            self.field_error = self.tr("term.needs_server")
            return False
        c = self.claim
        assert c.receipt is not None
        path = self.store.photo_path(c.receipt)
        if path is None:
            self.field_error = self.needs("receipt")
            return False
        body = {
            "district_id": c.district_id,
            "trip_on": c.trip_on.strip(),
            "trip": c.trip.strip(),
            "amount": c.amount.strip(),
            "receipt_sha256": c.receipt,
        }
        try:
            await client.upload_photo(c.receipt, path.read_bytes())
            self.store.mark_photos_uploaded([c.receipt])
            await client.file_claim(body)
        except AuthError:
            self.field_error = self.tr("error.auth")
            return False
        except Unreachable:
            self.field_error = self.tr("term.needs_server")
            return False
        except ServerError as exc:
            self.refused(exc)
            self.field_error, self.error = self.error, None
            return False
        self.field_error = None
        await self.open_term()
        self.notice = self.tr("claim.filed", amount=body["amount"])
        return True


@ft.component
@signed_in
def ClaimScreen(state: AppState, services: Services) -> ft.Control:
    c = state.claim

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            setattr(c, key, e.control.value or "")

        return on_change

    async def send(_: Any) -> None:
        await state.file_claim()

    districts = [
        (str(d.get("id")), str(d.get("name") or d.get("id")))
        for d in (state.user or {}).get("districts") or []
    ]

    def pick_district(code: str) -> None:
        state.claim = replace(c, district_id=int(code))

    thumb = state.thumbs.get(c.receipt or "")
    return column(
        heading(state.tr("claim.new")),
        muted(state.tr("claim.hint")),
        banner(state.notice),
        labelled(
            state.tr("field.district_id"),
            choice_wrap(districts, lambda d: d == str(c.district_id), pick_district),
        )
        if len(districts) > 1
        else None,
        text_field(state.tr("field.trip_on"), c.trip_on, setter("trip_on"), hint="2026-11-30"),
        text_field(state.tr("field.trip"), c.trip, setter("trip"), multiline=True),
        text_field(state.tr("field.amount"), c.amount, setter("amount"), hint="86.50"),
        text(state.tr("claim.receipt"), 17),
        ft.Image(src=thumb, height=160, fit=ft.BoxFit.CONTAIN, border_radius=8) if thumb else None,
        text(state.tr("visit.photo_uploading"), 16) if state.photo_busy else None,
        button(
            state.tr("claim.add_receipt") if not c.receipt else state.tr("claim.other_receipt"),
            icon=ft.Icons.ADD_A_PHOTO,
            action=ft.PickFiles(services.picker, file_type=ft.FilePickerFileType.IMAGE),
        ),
        banner(state.field_error, error=True),
        big_button(state.tr("claim.send"), send, icon=ft.Icons.SEND),
    )
