"""Sites: the list a phone fetches after its pull, and district staff's curation (add, rename, retire).

The list follows the server's order of changes like the pull does (`shared.protocol`, "Sites"): a site is
sent again when a record naming it, or its curated row, took a position after the phone's cursor. Each
answer first fixes a bound below which every change has committed, and looks only at changes below it, so
the statements of one answer agree whatever commits while they run (PostgreSQL gives each statement its
own snapshot). On SQLite the bound is the counter's value (numbers are taken one writer at a time); on
PostgreSQL it is the pull's horizon (`server.core.db.pull_horizon`), and a finished answer's cursor is the
horizon itself, so the next one starts there.

Curators of one district queue behind each other (an advisory lock on PostgreSQL); curators of other
districts, and the phones' pushes, go on at the same time.

What a site *is* (its state, position, last use) is decided in `server.sites.derive`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser
from server.core.db import (
    Database,
    Stamps,
    after_position,
    live,
    lock_district_sites,
    one_of,
    pull_horizon,
    utcnow,
)
from server.core.errors import bad_request, forbidden, not_found
from server.core.models import ChangeSeq, District, DistrictSite, Opinion, Visit, planner_profiles, table_of
from server.core.parsing import body_object, parse_int, parse_text
from server.sites.derive import (
    GONE,
    Curated,
    Key,
    Use,
    Uses,
    by_name,
    changed_keys,
    entry,
    live_counts,
    page,
)
from shared import protocol
from shared.protocol import PROJECT, SITE, SITE_KINDS, Position
from shared.records import MAX_ID, MAX_SHORT

_visits, _opinions, _curated = table_of(Visit), table_of(Opinion), table_of(DistrictSite)
_districts, _seq = table_of(District), table_of(ChangeSeq)

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


@dataclass(frozen=True)
class _Source:
    """Where the records that name one kind of site live, and how they name it."""

    kind: str
    table: sa.Table
    name: sa.ColumnElement[Any]
    at: sa.ColumnElement[Any]
    lat: sa.ColumnElement[Any] | None
    lon: sa.ColumnElement[Any] | None


_SOURCES = (
    _Source(
        SITE,
        _visits,
        _visits.c.data["site"].as_string(),
        _visits.c.started_at,
        _visits.c.data["lat"].as_float(),
        _visits.c.data["lon"].as_float(),
    ),
    _Source(PROJECT, _opinions, _opinions.c.data["subject"].as_string(), _opinions.c.issued_at, None, None),
)
_BY_KIND = {s.kind: s for s in _SOURCES}


def parse_limit(raw: str | None) -> int:
    value = parse_int(raw, "limit", required=False, lo=1, hi=MAX_LIMIT)
    return DEFAULT_LIMIT if value is None else value


def _scope(user: CurrentUser, district_id: int | None) -> list[int] | None:
    """The districts whose sites ``user`` gets (None: every district)."""
    if user.sees_all:
        return None if district_id is None else [district_id]
    if user.role not in (PLANNER, DISTRICT):
        raise forbidden("role", "needs one of the roles planner, district, coordinator, admin")
    if district_id is not None:
        if district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you serve")
        return [district_id]
    return sorted(user.district_ids)


def _in(column: sa.ColumnElement[Any], ids: list[int] | None) -> sa.ColumnElement[bool]:
    return sa.true() if ids is None else column.in_(ids)


def _curated_of(row: Any) -> Curated:
    return Curated(
        row.id,
        row.district_id,
        row.kind,
        row.name,
        row.lat,
        row.lon,
        tuple(row.aliases or ()),
        bool(row.retired),
        Position(int(row.txid), int(row.seq)),
    )


async def _curated_rows(conn: AsyncConnection, ids: list[int] | None) -> list[Curated]:
    rows = await conn.execute(sa.select(_curated).where(_in(_curated.c.district_id, ids)))
    return [_curated_of(r) for r in rows]


async def _districts_for(
    conn: AsyncConnection, user: CurrentUser, ids: list[int] | None
) -> list[dict[str, Any]]:
    """The districts in scope with the area the user answers for in each (planners only).

    The bureau keeps one responsibility area per planner (`planner_profiles`); it is the area of every
    district the planner serves. A phone treats an area that holds a fix in several districts as no answer.
    """
    area = None
    if user.role == PLANNER:
        area = (
            await conn.execute(
                sa.select(planner_profiles.c.responsibility_area).where(planner_profiles.c.user_id == user.id)
            )
        ).scalar_one_or_none()
    query = sa.select(_districts.c.id, _districts.c.name).order_by(_districts.c.id)
    rows = await conn.execute(query.where(_in(_districts.c.id, ids)))
    return [{"id": r.id, "name": r.name, "area": area} for r in rows]


async def _uses(conn: AsyncConnection, keys: Iterable[Key], names: Mapping[Key, Curated]) -> dict[Key, Uses]:
    """For each key: the live records that count for it (under its name or an alias)."""
    wanted: dict[str, dict[Key, Key]] = {}  # kind -> key of a name as records carry it -> key it counts for
    for key in keys:
        district_id, kind, name = key
        c = names.get(key)
        if c is not None and c.key != key:
            continue  # an earlier name: its records count for the curated site
        for n in (name,) if c is None else c.names():
            wanted.setdefault(kind, {})[(district_id, kind, n)] = key
    out: dict[Key, Uses] = {}
    for kind, lookup in wanted.items():
        src = _BY_KIND[kind]
        t = src.table
        columns = [t.c.district_id, src.name, src.at]
        if src.lat is not None and src.lon is not None:
            columns += [src.lat, src.lon]
        query = sa.select(*columns).where(
            t.c.district_id.in_(sorted({d for d, _, _ in lookup})),
            one_of(conn, src.name, sorted({n for _, _, n in lookup})),
            live(t),
        )
        for row in await conn.execute(query):
            target = lookup.get((row[0], kind, row[1]))
            if target is not None:
                lat, lon = (row[3], row[4]) if len(row) > 3 else (None, None)
                out.setdefault(target, Uses()).add(Use(row[2], lat, lon))
    return out


async def list_sites(
    db: Database, user: CurrentUser, cursor: str | None, limit: int, district_id: int | None
) -> dict[str, Any]:
    """The sites that changed after ``cursor`` in the user's districts, a page at a time.

    The last page (``has_more`` false) also carries ``counts``: how many live sites each district has, so a
    phone that holds a different number knows some were lost to it (a rename, a district newly served) and
    fetches the whole list again from an empty cursor.
    """
    try:
        after = protocol.decode_cursor(cursor)
    except ValueError:
        raise bad_request("cursor", "is not a cursor this server gave out") from None
    ids = _scope(user, district_id)
    async with db.read() as conn:
        horizon = await pull_horizon(conn)
        if horizon is None:
            # SQLite: one writer at a time takes the numbers, so every number up to the counter's committed.
            upto = int((await conn.execute(sa.select(_seq.c.value).where(_seq.c.id == 1))).scalar_one())
            bound = Position(0, upto)
        else:
            bound = Position(horizon, 0)

        def changed(p: Position) -> bool:
            return after < p and (p <= bound if horizon is None else p.txid < horizon)

        districts = await _districts_for(conn, user, ids)
        if ids == [] or bound <= after:
            unchanged = await _counts(conn, ids, None) if ids != [] else {}
            return _answer(districts, [], max(after, bound), False, unchanged)
        curated = await _curated_rows(conn, ids)
        names = by_name(curated)
        events: list[tuple[Key, Position]] = []
        for src in _SOURCES:
            events.extend(await _record_events(conn, src, ids, after, horizon, bound))
        taken, last, has_more = page(
            changed_keys(events, [c for c in curated if changed(c.position)], names), limit
        )
        uses = await _uses(conn, taken, names)
        counts = None if has_more else await _counts(conn, ids, curated)
    entries = [entry(k, names, uses.get(k)) for k in taken]
    if after == Position(0, 0):  # a phone starting from nothing has nothing to forget
        entries = [e for e in entries if e["state"] != GONE]
    return _answer(districts, entries, bound if last is None or not has_more else last, has_more, counts)


async def _record_events(
    conn: AsyncConnection,
    src: _Source,
    ids: list[int] | None,
    after: Position,
    horizon: int | None,
    bound: Position,
) -> list[tuple[Key, Position]]:
    """Each name ``src``'s records changed after ``after`` and below the answer's bound, with the newest
    position behind it."""
    t = src.table
    where = [_in(t.c.district_id, ids), *after_position(t, after, horizon)]
    if horizon is None:
        newest: sa.ColumnElement[Any] = sa.func.max(t.c.seq)
        where.append(t.c.seq <= bound.seq)
    else:
        # Arrays compare element by element: the greatest (txid, seq) pair in one aggregate.
        newest = sa.func.max(postgresql.array([t.c.txid, t.c.seq]))
    rows = await conn.execute(
        sa.select(t.c.district_id, src.name, newest).where(*where).group_by(t.c.district_id, src.name)
    )
    return [
        ((d, src.kind, n), Position(0, int(p)) if horizon is None else Position(int(p[0]), int(p[1])))
        for d, n, p in rows
        if isinstance(n, str)
    ]


def _answer(
    districts: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    position: Position,
    has_more: bool,
    counts: dict[int, int] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "districts": districts,
        "sites": entries,
        "cursor": protocol.encode_cursor(position.seq, position.txid),
        "has_more": has_more,
    }
    if counts is not None:
        body["counts"] = {str(d["id"]): counts.get(d["id"], 0) for d in districts}
    return body


async def _counts(
    conn: AsyncConnection, ids: list[int] | None, curated: list[Curated] | None
) -> dict[int, int]:
    if curated is None:
        curated = await _curated_rows(conn, ids)
    keys: list[Key] = []
    for src in _SOURCES:
        t = src.table
        rows = await conn.execute(
            sa.select(t.c.district_id, src.name).distinct().where(_in(t.c.district_id, ids), live(t))
        )
        keys.extend((d, src.kind, n) for d, n in rows if isinstance(n, str))
    return live_counts(keys, curated, by_name(curated))


# --- curation by district staff and the bureau --------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    district_id: int
    kind: str
    name: str


def _target(body: Any, *, name_field: str = "name") -> _Target:
    body = body_object(body)
    district_id = parse_int(body.get("district_id"), "district_id", hi=MAX_ID)
    assert district_id is not None
    kind = body.get("kind", SITE)
    if kind not in SITE_KINDS:
        raise bad_request("kind", f"must be one of {', '.join(SITE_KINDS)}")
    name = parse_text(body, name_field, required=True, max_len=MAX_SHORT)
    assert name is not None
    return _Target(district_id, kind, name)


def _position(body: dict[str, Any]) -> tuple[float | None, float | None]:
    lat, lon = body.get("lat"), body.get("lon")
    for field, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
            raise bad_request(field, f"must be a number between {-bound} and {bound} (WGS-84 degrees)")
    if (lat is None) != (lon is None):
        raise bad_request("lon" if lon is None else "lat", "lat and lon go together")
    return (None, None) if lat is None or lon is None else (float(lat), float(lon))


async def _check_district(conn: AsyncConnection, user: CurrentUser, district_id: int) -> None:
    if not user.sees_all and district_id not in user.district_ids:
        raise forbidden("district_id", "is not a district you work for")
    found = (await conn.execute(sa.select(_districts.c.id).where(_districts.c.id == district_id))).first()
    if found is None:
        raise not_found("district_id", "no such district")


async def _site_state(conn: AsyncConnection, district_id: int, kind: str, name: str) -> dict[str, Any]:
    curated = [c for c in await _curated_rows(conn, [district_id]) if c.kind == kind]
    names = by_name(curated)
    key = (district_id, kind, name)
    return entry(key, names, (await _uses(conn, [key], names)).get(key))


async def _in_use(conn: AsyncConnection, t: _Target) -> bool:
    src = _BY_KIND[t.kind]
    table = src.table
    query = sa.select(table.c.id).where(table.c.district_id == t.district_id, src.name == t.name, live(table))
    return (await conn.execute(query.limit(1))).first() is not None


def _earlier_name(field: str, c: Curated) -> Exception:
    return bad_request(field, f"is an earlier name of {c.name!r}; use that name")


async def _prepare(
    conn: AsyncConnection, user: CurrentUser, t: _Target
) -> tuple[Stamps, list[Curated], Curated | None]:
    """Check the district, queue behind its other curators and place the change, and find the curated
    row named ``t.name`` (if any)."""
    await _check_district(conn, user, t.district_id)
    # Before the rows are read: each curator of the district decides on what the one before committed.
    stamps = await lock_district_sites(conn, t.district_id, stamps=1)
    curated = [c for c in await _curated_rows(conn, [t.district_id]) if c.kind == t.kind]
    names = by_name(curated)
    owner = names.get((t.district_id, t.kind, t.name))
    if owner is not None and owner.name != t.name:
        raise _earlier_name("name", owner)
    return stamps, curated, owner


def _row(c: Curated) -> dict[str, Any]:
    return {"name": c.name, "aliases": list(c.aliases), "retired": c.retired, "lat": c.lat, "lon": c.lon}


async def add_site(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    """Add a site (or a project) to a district's list, or bring a retired one back; a position is optional."""
    require_role(user, DISTRICT, *BUREAU)
    t = _target(body)
    lat, lon = _position(body)
    now = utcnow()
    async with db.write() as conn:
        stamps, _curated_now, c = await _prepare(conn, user, t)
        values: dict[str, Any] = {**stamps.at(), "updated_by": user.id, "updated_at": now}
        if c is None:
            new_id = (
                await conn.execute(
                    _curated.insert()
                    .values(
                        district_id=t.district_id,
                        kind=t.kind,
                        name=t.name,
                        lat=lat,
                        lon=lon,
                        aliases=[],
                        retired=False,
                        **values,
                    )
                    .returning(_curated.c.id)
                )
            ).scalar_one()
            before = None
        elif c.retired:
            new_id = c.id
            if lat is not None:
                values.update(lat=lat, lon=lon)
            await conn.execute(_curated.update().where(_curated.c.id == c.id).values(retired=False, **values))
            before = _row(c)
        else:
            raise bad_request("name", f"the district has a {t.kind} called {t.name!r} already")
        result = await _site_state(conn, t.district_id, t.kind, t.name)
        await audit(conn, user.id, "site.add", "site", str(new_id), before, result)
    return result


async def rename_site(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    """Rename a site; records made under the old name count for the new one. Renaming onto another
    site's name merges the two."""
    require_role(user, DISTRICT, *BUREAU)
    t = _target(body)
    new_name = parse_text(body, "new_name", required=True, max_len=MAX_SHORT)
    assert new_name is not None
    if new_name == t.name:
        raise bad_request("new_name", "is the site's name already")
    now = utcnow()
    async with db.write() as conn:
        stamps, curated, c = await _prepare(conn, user, t)
        if c is None and not await _in_use(conn, t):
            raise not_found("name", f"no {t.kind} called {t.name!r} in this district")
        into = by_name(curated).get((t.district_id, t.kind, new_name))
        if into is not None and c is not None and into.id == c.id:
            into = None  # the site's own earlier name: taking it back is an ordinary rename
        if into is not None and into.name != new_name:
            raise _earlier_name("new_name", into)
        values: dict[str, Any] = {**stamps.at(), "updated_by": user.id, "updated_at": now}
        earlier = [t.name, *(c.aliases if c is not None else ())]
        if into is None and c is not None:
            aliases = _unique([*c.aliases, t.name], drop=new_name)
            await conn.execute(
                _curated.update()
                .where(_curated.c.id == c.id)
                .values(name=new_name, aliases=aliases, **values)
            )
            site_id = c.id
        elif into is None:
            site_id = (
                await conn.execute(
                    _curated.insert()
                    .values(
                        district_id=t.district_id,
                        kind=t.kind,
                        name=new_name,
                        lat=None,
                        lon=None,
                        aliases=[t.name],
                        retired=False,
                        **values,
                    )
                    .returning(_curated.c.id)
                )
            ).scalar_one()
        else:
            # Merged into a site that exists: it keeps its position unless it had none.
            if into.lat is None and c is not None and c.lat is not None:
                values.update(lat=c.lat, lon=c.lon)
            if c is not None:
                await conn.execute(_curated.delete().where(_curated.c.id == c.id))
            aliases = _unique([*into.aliases, *earlier], drop=into.name)
            await conn.execute(
                _curated.update().where(_curated.c.id == into.id).values(aliases=aliases, **values)
            )
            site_id = into.id
        result = await _site_state(conn, t.district_id, t.kind, new_name)
        before = _row(c) if c is not None else {"name": t.name}
        await audit(conn, user.id, "site.rename", "site", str(site_id), before, result)
    return result


async def retire_site(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    """Take a site off the phones' lists; records naming it keep their text; adding it again restores it."""
    require_role(user, DISTRICT, *BUREAU)
    t = _target(body)
    now = utcnow()
    async with db.write() as conn:
        stamps, _curated_now, c = await _prepare(conn, user, t)
        values: dict[str, Any] = {**stamps.at(), "updated_by": user.id, "updated_at": now, "retired": True}
        if c is None:
            if not await _in_use(conn, t):
                raise not_found("name", f"no {t.kind} called {t.name!r} in this district")
            site_id = (
                await conn.execute(
                    _curated.insert()
                    .values(
                        district_id=t.district_id,
                        kind=t.kind,
                        name=t.name,
                        lat=None,
                        lon=None,
                        aliases=[],
                        **values,
                    )
                    .returning(_curated.c.id)
                )
            ).scalar_one()
        else:
            site_id = c.id
            await conn.execute(_curated.update().where(_curated.c.id == c.id).values(**values))
        result = await _site_state(conn, t.district_id, t.kind, t.name)
        await audit(conn, user.id, "site.retire", "site", str(site_id), _row(c) if c else None, result)
    return result


def _unique(names: Iterable[str], *, drop: str) -> list[str]:
    out: list[str] = []
    for n in names:
        if n != drop and n not in out:
            out.append(n)
    return out
