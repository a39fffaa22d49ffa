"""A planner's invitations to consultation activities, and answering them offline.

Invitations arrive through sync (pulled kind ``invitation`` into the store's invitations table). The answer
is saved as an ``invitation_response`` record whose id is the invitation's id, through `LocalStore.save`,
so it waits in the outbox like any record and is pushed when the phone is online; answering again before
it went out just replaces the waiting answer (the last answer wins on the server too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.i18n import fmt_time
from shared import records as rec


@dataclass(frozen=True)
class InvitationItem:
    id: str
    activity_id: int | None
    title: str
    when: str
    place: str
    #: accepted / declined / None: the planner's answer, local (waiting) or as the server has it.
    answer: str | None
    waiting: bool
    attendance: str | None


def invitation_items(store: Any, lang: str, tz: str) -> list[InvitationItem]:
    """Every invitation on the phone, soonest activity first, with the planner's answer."""
    items = []
    for inv in store.invitations():
        data = inv.get("data") or {}
        local = store.get(rec.INVITATION_RESPONSE, inv["id"])
        waiting = local is not None and (local.dirty or local.server_version == 0)
        answer = (local.data.get("response") if local is not None else None) or data.get("response")
        starts = data.get("starts_at")
        items.append(
            InvitationItem(
                id=str(inv["id"]),
                activity_id=data.get("activity_id"),
                title=str(data.get("topic") or data.get("title") or ""),
                when=fmt_time(starts, lang, tz) if isinstance(starts, str) else "",
                place=str(data.get("place") or ""),
                answer=answer,
                waiting=waiting,
                attendance=data.get("attendance"),
            )
        )
    return sorted(items, key=lambda i: (i.answer is not None, i.when))


def answer_invitation(store: Any, invitation_id: str, response: str, note: str | None = None) -> str:
    """Save the answer on the phone (raises `RecordError` naming the field); returns the record id."""
    inv = next((i for i in store.invitations() if str(i["id"]) == invitation_id), None)
    if inv is None:
        raise rec.RecordError("activity_id", "no such invitation on this phone")
    data = {"activity_id": (inv.get("data") or {}).get("activity_id"), "response": response, "note": note}
    return str(store.save(rec.INVITATION_RESPONSE, data, record_id=invitation_id))
