"""What one record's honest status is, as a code the UI's catalogue turns into words.

Codes: ``saved`` (only on the phone, waiting to sync), ``photos`` (synced, photos done/total uploaded),
``synced``, ``confirmed``, ``rejected`` (by district staff, with their reason), ``conflict`` (the server
kept its copy and a person must choose), ``invalid`` (the server refused the data; ``reason`` names
the field).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from app.errors import field_named
from app.store import LocalRecord

StatusCode = Literal["saved", "photos", "synced", "confirmed", "rejected", "conflict", "invalid"]
CODES: Final = ("saved", "photos", "synced", "confirmed", "rejected", "conflict", "invalid")


@dataclass(frozen=True)
class RecordStatus:
    code: StatusCode
    done: int | None = None
    total: int | None = None
    reason: str | None = None
    #: For ``invalid``: the field the server named (the part of its error before the first colon).
    field: str | None = None


def record_status(rec: LocalRecord) -> RecordStatus:
    if rec.op_state == "conflict":
        return RecordStatus("conflict", reason=rec.op_error)
    if rec.op_state == "rejected":
        return RecordStatus("invalid", reason=rec.op_error, field=field_named(rec.op_error or ""))
    if rec.dirty or rec.server_version == 0:
        return RecordStatus("saved")
    if rec.photos_uploaded < rec.photos_total:
        # Photos still on the phone are what the planner must act on (stay online), so they come first.
        return RecordStatus("photos", done=rec.photos_uploaded, total=rec.photos_total)
    if rec.review == "confirmed":
        return RecordStatus("confirmed")
    if rec.review == "rejected":
        return RecordStatus("rejected", reason=rec.reject_reason)
    return RecordStatus("synced")
