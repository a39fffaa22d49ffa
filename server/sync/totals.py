"""Yearly totals per planner and district, kept in the same transaction as every write that changes them.

The yearly summary, the dashboard (per planner and per district) and the appraisal list read
`planner_year_totals`: one row per planner, district and local year with confirmed visits, their hours in
hundredths, pending visits, opinions and feedback. Reading a few thousand such rows takes milliseconds;
aggregating 1,000,000 visits took 90 to 340 ms, more on a busy machine.

How the rows stay right:

* A record's *part* is what it adds to one (planner, district, year) row: a live, confirmed, checked-out
  visit adds 1 and its hours; a live pending visit adds 1 pending; a live opinion or feedback adds 1.
  The district is the record's own; the year is the local year of the record's time (start, issue or
  collection) in the deployment's time zone, as `shared.rules.local_year` says.
* Every write adds ``part(after) - part(before)`` for each record it touches (`Tally`), inside its own
  transaction (`apply`): sync push (create, edit, delete) and staff review. Nothing else writes the
  counted columns. Increments are upserts, so concurrent writers on PostgreSQL cannot lose one.
* The aggregate over the records themselves (`records_totals_query`) stays the
  reference. `rebuild` recomputes the table from it; `differences` compares the two without writing
  (``fieldlog db totals``), so the bureau can show that every number is the sum of its records.
* The totals are per local year, so they depend on the time zone: the zone they were built for is kept
  in `totals_state`, and `ensure` (run by ``fieldlog db upgrade`` and at server start) rebuilds when the
  configured zone differs or the table was never built.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.db import Database, InRange, live, lock_writers, utcnow
from server.core.models import (
    RECORD_MODELS,
    TOTALS_COLUMNS,
    Feedback,
    Opinion,
    PlannerYearTotals,
    TotalsState,
    Visit,
    table_of,
)
from shared.records import KINDS, OCCURRED_FIELD, VISIT
from shared.rules import CONFIRMED, PENDING, year_bounds

_totals = table_of(PlannerYearTotals)
_visits, _opinions, _feedback = table_of(Visit), table_of(Opinion), table_of(Feedback)

_state = table_of(TotalsState)

#: The counted columns, in the order of a `Tally` vector.
COLUMNS: Final = TOTALS_COLUMNS
_KIND_COLUMN: Final = {"opinion": 3, "feedback": 4}

#: (planner_id, district_id, year)
Key = tuple[int, int, int]


class Counted(NamedTuple):
    """The fields of a record that decide its part in the totals (a tuple: pushes make thousands)."""

    kind: str
    planner_id: int
    district_id: int
    at: datetime  # start of a visit, issue of an opinion, collection of feedback (aware)
    deleted: bool
    review: str | None = None  # visits only
    ended: bool = False  # visits only: checked out
    duration_s: int = 0  # visits only


def visit_hundredths(duration_s: int) -> int:
    """A visit's hours in hundredths, rounded half up: the formula of `shared.rules.hours` and of the SQL."""
    return (duration_s * 100 + 1800) // 3600


class Tally:
    """Deltas per (planner, district, year), accumulated in Python and written once by `apply`."""

    def __init__(self, tz: str | tzinfo) -> None:
        self.zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.deltas: dict[Key, list[int]] = {}

    def add(self, record: Counted | None, sign: int = 1) -> None:
        if record is None or record.deleted:
            return
        hundredths = 0
        if record.kind == VISIT:
            if record.review == CONFIRMED and record.ended:
                column, hundredths = 0, visit_hundredths(record.duration_s)
            elif record.review == PENDING:
                column = 2
            else:
                return
        else:
            column = _KIND_COLUMN[record.kind]
        key = (record.planner_id, record.district_id, record.at.astimezone(self.zone).year)
        row = self.deltas.get(key)
        if row is None:
            row = self.deltas[key] = [0, 0, 0, 0, 0]
        row[column] += sign
        if hundredths:
            row[1] += sign * hundredths

    def change(self, before: Counted | None, after: Counted | None) -> None:
        """One record went from ``before`` to ``after`` (None: did not exist / was not written)."""
        if before != after:
            self.add(before, -1)
            self.add(after, 1)

    def rows(self) -> list[dict[str, Any]]:
        return [_row(key, v) for key, v in sorted(self.deltas.items()) if any(v)]


def _row(key: Key, values: Sequence[int]) -> dict[str, Any]:
    p, d, y = key
    return {"planner_id": p, "district_id": d, "year": y, **dict(zip(COLUMNS, values, strict=True))}


def counted_from_row(kind: str, row: Any) -> Counted:
    """A `Counted` from a record row of `server.models` (a Core row or anything with those attributes)."""
    if kind == VISIT:
        return Counted(
            kind,
            row.planner_id,
            row.district_id,
            row.started_at,
            bool(row.deleted),
            row.review,
            row.ended_at is not None,
            int(row.duration_s or 0),
        )
    at = getattr(row, OCCURRED_FIELD[kind])
    return Counted(kind, row.planner_id, row.district_id, at, bool(row.deleted))


async def apply(conn: AsyncConnection, tally: Tally) -> None:
    """Add the tally's deltas to the table (upserts), in the caller's transaction."""
    rows = tally.rows()
    if rows:
        await conn.execute(_upsert(conn.dialect.name), rows)


@functools.cache
def _upsert(dialect_name: str) -> sa.Insert:
    # Built once: every push runs it, and building the ON CONFLICT clause costs more than running it.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(_totals)
    return stmt.on_conflict_do_update(
        index_elements=[_totals.c.planner_id, _totals.c.district_id, _totals.c.year],
        set_={c: _totals.c[c] + stmt.excluded[c] for c in COLUMNS},
    )


async def _years(conn: AsyncConnection, zone: ZoneInfo) -> range:
    lows: list[datetime] = []
    highs: list[datetime] = []
    for kind in KINDS:
        c = table_of(RECORD_MODELS[kind]).c[OCCURRED_FIELD[kind]]
        # min/max keep the column's type, so these come back as aware datetimes on both engines.
        low, high = (await conn.execute(sa.select(sa.func.min(c), sa.func.max(c)))).one()
        if low is not None:
            lows.append(low)
            highs.append(high)
    if not lows:
        return range(0)
    return range(min(lows).astimezone(zone).year, max(highs).astimezone(zone).year + 1)


async def from_records(conn: AsyncConnection, tz: str) -> dict[Key, tuple[int, ...]]:
    """The totals as the records give them, for every planner, district and year that has records."""
    out: dict[Key, tuple[int, ...]] = {}
    for year in await _years(conn, ZoneInfo(tz)):
        for r in await conn.execute(records_totals_query(year, tz)):
            values = tuple(int(getattr(r, c)) for c in COLUMNS)
            if any(values):
                out[(r.planner_id, r.district_id, year)] = values
    return out


async def stored(conn: AsyncConnection) -> dict[Key, tuple[int, ...]]:
    out: dict[Key, tuple[int, ...]] = {}
    for r in await conn.execute(sa.select(_totals)):
        values = tuple(int(getattr(r, c)) for c in COLUMNS)
        if any(values):
            out[(r.planner_id, r.district_id, r.year)] = values
    return out


@dataclass(frozen=True)
class Difference:
    planner_id: int
    district_id: int
    year: int
    stored: Mapping[str, int]
    from_records: Mapping[str, int]


def compare(have: Mapping[Key, tuple[int, ...]], want: Mapping[Key, tuple[int, ...]]) -> list[Difference]:
    zero = (0,) * len(COLUMNS)
    return [
        Difference(
            *key,
            dict(zip(COLUMNS, have.get(key, zero), strict=True)),
            dict(zip(COLUMNS, want.get(key, zero), strict=True)),
        )
        for key in sorted(set(have) | set(want))
        if have.get(key, zero) != want.get(key, zero)
    ]


async def differences(conn: AsyncConnection, tz: str) -> list[Difference]:
    """Where the stored totals and the records disagree (empty when all is well)."""
    return compare(await stored(conn), await from_records(conn, tz))


async def rebuild(conn: AsyncConnection, tz: str) -> list[Difference]:
    """Recompute the table from the records for ``tz``, in the caller's write transaction.

    Returns what was different before, so an operator sees what the rebuild mended."""
    await lock_writers(conn)
    want = await from_records(conn, tz)
    found = compare(await stored(conn), want)
    await conn.execute(_totals.delete())
    rows = [_row(key, v) for key, v in sorted(want.items())]
    if rows:
        await conn.execute(_totals.insert(), rows)
    await conn.execute(_state.delete())
    await conn.execute(_state.insert().values(id=1, tz=tz, built_at=utcnow()))
    return found


async def built_for(conn: AsyncConnection) -> str | None:
    """The time zone the totals were built for; None if they never were."""
    return (await conn.execute(sa.select(_state.c.tz).where(_state.c.id == 1))).scalar_one_or_none()


async def ensure(db: Database, tz: str) -> bool:
    """Rebuild when the totals were never built or were built for another zone; True if it rebuilt."""
    async with db.read() as conn:
        if await built_for(conn) == tz:
            return False
    async with db.write() as conn:
        await lock_writers(conn)
        if await built_for(conn) == tz:  # another process built them meanwhile
            return False
        await rebuild(conn, tz)
    return True


def describe(diffs: Iterable[Difference]) -> list[str]:
    """One line per difference, for the CLI."""
    lines = []
    for d in diffs:
        changed = ", ".join(
            f"{c} {d.stored[c]} -> {d.from_records[c]}" for c in COLUMNS if d.stored[c] != d.from_records[c]
        )
        lines.append(f"planner {d.planner_id}, district {d.district_id}, {d.year}: {changed}")
    return lines


def records_totals_query(year: int, tz: str) -> sa.Select[Any]:
    """The totals of ``year`` aggregated from the records themselves, one row per planner and district:
    the reference that `server.sync.totals` rebuilds from and is checked against."""
    start, end = year_bounds(year, tz)
    in_year = InRange(_visits.c.started_at, start, end)
    one = sa.literal(1)

    def part(t: sa.Table, where: list[Any], **values: Any) -> sa.Select[Any]:
        # Labelled, so the union's columns line up by name (repeated literals would be merged into one).
        columns = [values.get(c, sa.literal(0)).label(c) for c in TOTALS_COLUMNS]
        return sa.select(t.c.planner_id, t.c.district_id, *columns).where(live(t), *where)

    # Literal values, not parameters: a partial index is used only when the query visibly implies its WHERE.
    confirmed = _visits.c.review == sa.literal_column(f"'{CONFIRMED}'")
    pending = _visits.c.review == sa.literal_column(f"'{PENDING}'")
    parts = (
        part(
            _visits,
            [confirmed, _visits.c.ended_at.is_not(None), in_year],
            visits_confirmed=one,
            # Each visit's hours rounded to hundredths (half up), then summed, as shared.rules.visit_hours
            # says hours are shown and summed: the dashboard's hours then equal the reports' and dossiers'.
            confirmed_hundredths=(_visits.c.duration_s * 100 + 1800) // 3600,
        ),
        part(_visits, [pending, in_year], visits_pending=one),
        part(_opinions, [InRange(_opinions.c.issued_at, start, end)], opinions=one),
        part(_feedback, [InRange(_feedback.c.collected_at, start, end)], feedback=one),
    )
    u = sa.union_all(*parts).subquery("parts")
    return (
        sa.select(u.c.planner_id, u.c.district_id, *(sa.func.sum(u.c[c]).label(c) for c in TOTALS_COLUMNS))
        .group_by(u.c.planner_id, u.c.district_id)
        .order_by(u.c.planner_id, u.c.district_id)
    )
