"""Editing and deleting a planner's own records on the phone: what may change, and making the change.

A record no request has carried yet is only on this phone: an edit rewrites its waiting op and a delete
leaves nothing behind (record, op, photos), so the server never hears of it. Once the server has the
record, or may have it, an edit goes as a new op on the version it was made on (the server applies it or
keeps a conflict for a person) and a delete becomes a tombstone (shared/protocol.py). A confirmed visit is
locked on the server, so the phone offers neither; a record in conflict is resolved before it is edited.

Plain logic over `app.store.LocalStore`, tested without a page; the screens call `RecordEditor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.store import CONFLICT, LocalRecord, LocalStore
from shared.records import KINDS, VISIT, RecordError
from shared.rules import CONFIRMED


@dataclass(frozen=True)
class Changeable:
    """What the planner may do with one record, and why not."""

    edit: bool
    delete: bool
    #: An `app.i18n` key saying why something is closed; None when both are open.
    reason: str | None
    #: True while the record is only on this phone (deleting it leaves nothing, anywhere).
    only_here: bool


class RecordEditor:
    """Edits and deletes of one planner's records in their phone store."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def changeable(self, record: LocalRecord) -> Changeable:
        only_here = not record.on_server
        if record.kind == VISIT and record.review == CONFIRMED:
            return Changeable(False, False, "edit.locked", only_here)
        if record.op_state == CONFLICT:
            # Deleting settles it too: the refused edit is dropped, the delete goes on the server's version.
            return Changeable(False, True, "edit.conflict", only_here)
        if record.deleted_on_server:
            return Changeable(False, True, "edit.deleted_on_server", only_here)
        return Changeable(True, True, None, only_here)

    def edit(self, kind: str, record_id: str, changes: Mapping[str, Any]) -> str:
        """Save ``changes`` (field -> value; "" or None clears a field) over the record; returns its id.

        Raises `RecordError` naming the field for invalid data (nothing is saved), or naming ``id`` when the
        record is not on this phone or may not be edited (`changeable`).
        """
        record = self._record(kind, record_id)
        allowed = self.changeable(record)
        if not allowed.edit:
            raise RecordError("id", f"this record cannot be edited now ({allowed.reason})")
        data = dict(record.data)
        for name, value in changes.items():
            data[name] = None if value == "" else value
        return self.store.save(kind, data, record_id=record.id)

    def delete(self, kind: str, record_id: str) -> str:
        """Delete the record; returns `app.store.DELETED` (it was only here) or `app.store.TOMBSTONE`."""
        record = self._record(kind, record_id)
        allowed = self.changeable(record)
        if not allowed.delete:
            raise RecordError("id", f"this record cannot be deleted ({allowed.reason})")
        return self.store.delete(kind, record.id)

    def _record(self, kind: str, record_id: str) -> LocalRecord:
        if kind not in KINDS:
            raise RecordError("kind", f"must be one of {', '.join(KINDS)}")
        record = self.store.get(kind, record_id)
        if record is None:
            raise RecordError("id", f"no {kind} {record_id} on this phone")
        return record
