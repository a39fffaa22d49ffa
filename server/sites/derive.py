"""What a district's sites are, from its records and its staff's curation: pure functions, no database.

A *key* is ``(district_id, kind, name)``: kind ``site`` for the places visits name, ``project`` for the
subjects opinions are written on. A curated row (`Curated`) can carry earlier names (aliases); a record
made under an alias counts for the curated site, and the alias itself is no longer a site of its own.

An entry's ``state`` is what the phone does with it: ``live`` (offer it), ``retired`` (staff took it off
the lists: keep it out even if records still name it), ``gone`` (no live record names it any more and no
person curated it, or it became an alias: forget it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.protocol import SITE_GONE as GONE
from shared.protocol import SITE_LIVE as LIVE
from shared.protocol import SITE_RETIRED as RETIRED
from shared.protocol import Position

Key = tuple[int, str, str]


@dataclass(frozen=True)
class Curated:
    id: int
    district_id: int
    kind: str
    name: str
    lat: float | None
    lon: float | None
    aliases: tuple[str, ...]
    retired: bool
    #: Where its last change stands in the order of changes.
    position: Position

    @property
    def key(self) -> Key:
        return (self.district_id, self.kind, self.name)

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Use:
    """One live record that names a site: when it happened and where, if the phone had a fix."""

    at: datetime
    lat: float | None = None
    lon: float | None = None


@dataclass
class Uses:
    count: int = 0
    last_at: datetime | None = None
    #: The newest use that had a fix: (time, lat, lon).
    fix: tuple[datetime, float, float] | None = None

    def add(self, use: Use) -> None:
        self.count += 1
        if self.last_at is None or use.at > self.last_at:
            self.last_at = use.at
        if use.lat is not None and use.lon is not None and (self.fix is None or use.at > self.fix[0]):
            self.fix = (use.at, use.lat, use.lon)


def by_name(curated: Iterable[Curated]) -> dict[Key, Curated]:
    """Every name and alias of the curated rows -> the row it belongs to."""
    out: dict[Key, Curated] = {}
    for c in curated:
        for name in c.names():
            out[(c.district_id, c.kind, name)] = c
    return out


def canonical(key: Key, names: Mapping[Key, Curated]) -> Key:
    c = names.get(key)
    return key if c is None else c.key


def changed_keys(
    record_events: Iterable[tuple[Key, Position]],
    curated_changed: Iterable[Curated],
    names: Mapping[Key, Curated],
) -> dict[Key, Position]:
    """The keys a phone must hear about after a cursor, each with the newest change's position behind it.

    A record under an alias changes its curated site (and the alias is told again to be gone); a curated
    row's change concerns its name and every alias.
    """
    out: dict[Key, Position] = {}

    def note(key: Key, position: Position) -> None:
        known = out.get(key)
        if known is None or position > known:
            out[key] = position

    for key, position in record_events:
        note(canonical(key, names), position)
        if canonical(key, names) != key:
            note(key, position)
    for c in curated_changed:
        for name in c.names():
            note((c.district_id, c.kind, name), c.position)
    return out


def page(keys: Mapping[Key, Position], limit: int) -> tuple[list[Key], Position | None, bool]:
    """The first ``limit`` keys in change order, with every key of the last position taken too.

    Returns the keys, the position to continue after (None: nothing changed) and whether more remain.
    A position is never split across pages, so "after this position" loses nothing.
    """
    ordered = sorted(keys.items(), key=lambda kv: (kv[1], kv[0]))
    if not ordered:
        return [], None, False
    if len(ordered) <= limit:
        return [k for k, _ in ordered], ordered[-1][1], False
    last = ordered[limit - 1][1]
    taken = [k for k, s in ordered if s <= last]
    return taken, last, len(taken) < len(ordered)


def entry(key: Key, names: Mapping[Key, Curated], uses: Uses | None) -> dict[str, Any]:
    """One site as the phone receives it (see the module docstring for ``state``)."""
    district_id, kind, name = key
    c = names.get(key)
    uses = uses or Uses()
    lat = lon = None
    if c is not None and c.key == key and c.lat is not None and c.lon is not None:
        lat, lon = c.lat, c.lon
    elif uses.fix is not None:
        lat, lon = uses.fix[1], uses.fix[2]
    if c is not None and c.key != key:
        state = GONE  # an earlier name of a curated site
    elif c is not None:
        state = RETIRED if c.retired else LIVE
    else:
        state = LIVE if uses.count else GONE
    return {
        "district_id": district_id,
        "kind": kind,
        "name": name,
        "state": state,
        "lat": lat if state != GONE else None,
        "lon": lon if state != GONE else None,
        "last_at": uses.last_at.isoformat() if uses.last_at and state != GONE else None,
        "uses": uses.count if state != GONE else 0,
        "aliases": list(c.aliases) if c is not None and c.key == key else [],
        "curated_id": c.id if c is not None and c.key == key else None,
    }


def live_counts(
    record_keys: Iterable[Key], curated: Iterable[Curated], names: Mapping[Key, Curated]
) -> dict[int, int]:
    """How many live entries each district has: what a phone that heard every change holds."""
    keys = {canonical(k, names) for k in record_keys}
    retired: set[Key] = set()
    for c in curated:
        (retired if c.retired else keys).add(c.key)
    counts: dict[int, int] = {}
    for d, _kind, _name in keys - retired:
        counts[d] = counts.get(d, 0) + 1
    return counts
