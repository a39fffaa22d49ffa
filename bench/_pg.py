"""The benchmarks' datasets on PostgreSQL: the rows of a generated SQLite database, copied into a database
that ``fieldlog db upgrade`` made (``BENCH_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``
names the server). The copy is kept under its name and used again while the migrations are the same.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._server import ServerProcess

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_of(name: str) -> str:
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


def _converter(column: sa.Column[Any]) -> Any:
    from server.core.models import UTCDateTime

    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v).replace(tzinfo=UTC)
    if isinstance(column.type, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(column.type, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return None


async def _copy(source: Path, url: str) -> dict[str, int]:
    import asyncpg

    from server.core.models import Base

    conn = await asyncpg.connect(url)
    lite = sqlite3.connect(source)
    copied: dict[str, int] = {}
    try:
        tables = list(Base.metadata.sorted_tables)
        async with conn.transaction():
            for t in reversed(tables):  # what the migrations seeded (the change counter row) goes first
                await conn.execute(f'DELETE FROM "{t.name}"')
            for t in tables:
                names = [c.name for c in t.columns]
                have = {r[1] for r in lite.execute(f'PRAGMA table_info("{t.name}")')}
                names = [n for n in names if n in have]
                convert = [_converter(t.c[n]) for n in names]
                cur = lite.execute(
                    f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{t.name}"'
                )
                total = 0
                while rows := cur.fetchmany(50_000):
                    records = [
                        tuple(v if f is None else f(v) for f, v in zip(convert, row, strict=True))
                        for row in rows
                    ]
                    await conn.copy_records_to_table(t.name, records=records, columns=names)
                    total += len(records)
                copied[t.name] = total
            for t in tables:
                if "id" in t.c and isinstance(t.c.id.type, sa.Integer):
                    seq = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", t.name)
                    if seq:  # the next id after the copied ones
                        top_id = await conn.fetchval(f'SELECT coalesce(max(id), 0) + 1 FROM "{t.name}"')
                        await conn.execute(f"SELECT setval('{seq}', {int(top_id)}, false)")
            top = await conn.fetchval(
                "SELECT greatest((SELECT coalesce(max(seq), 0) FROM visits),"
                " (SELECT coalesce(max(seq), 0) FROM opinions), (SELECT coalesce(max(seq), 0) FROM feedback),"
                " (SELECT coalesce(max(seq), 0) FROM invitations), (SELECT max(value) FROM change_seq))"
            )
            await conn.execute(f"SELECT setval('change_numbers', {int(top) + 1}, false)")
        await conn.execute("ANALYZE")
    finally:
        lite.close()
        await conn.close()
    return copied


async def _exists(name: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _create(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def copy_of(source: Path, name: str) -> tuple[str, float]:
    """The URL of PostgreSQL database ``name`` holding ``source``'s rows (made now, or kept from before),
    with the yearly totals built on it; and the seconds spent making it (0 when kept)."""
    from server.core.migrate import head_revision

    name = f"{name}_rev{head_revision()}"
    url = url_of(name)
    if asyncio.run(_exists(name)):
        return url, 0.0
    t0 = time.perf_counter()
    asyncio.run(_create(f"{name}_tmp"))
    maker = ServerProcess(database_url=url_of(f"{name}_tmp"))
    with maker:
        maker.migrate()
        copied = asyncio.run(_copy(source, url_of(f"{name}_tmp")))
        maker.cli("db", "totals", "--repair")
    print(f"copied to PostgreSQL: {copied}", file=sys.stderr)

    async def rename() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(f'ALTER DATABASE "{name}_tmp" RENAME TO "{name}"')
        finally:
            await conn.close()

    asyncio.run(rename())
    return url, time.perf_counter() - t0


async def _counts(url: str, tables: tuple[str, ...]) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"')) for t in tables}
    finally:
        await conn.close()


def dashboard_dataset() -> tuple[str, float, dict[str, int]]:
    """`bench.summary`'s visits with `bench.dashboard`'s opinions, follow-ups, feedback, terms and
    attendance, on PostgreSQL: its URL, the seconds spent making it, and what the extras added."""
    import shutil
    import tempfile

    from bench.dashboard import OPINIONS, add_extras
    from bench.summary import PLANNERS, VISITS, YEARS, prepared_db

    cached, gen_s = prepared_db()
    name = f"fieldlog_bench_{VISITS}v_{PLANNERS}p_{YEARS}y_{OPINIONS}o"
    work = Path(tempfile.mkdtemp(prefix="fieldlog-pg-copy-")) / "source.sqlite3"
    try:
        from server.core.migrate import head_revision

        if not asyncio.run(_exists(f"{name}_rev{head_revision()}")):
            shutil.copy(cached, work)
            add_extras(work)
        url, copy_s = copy_of(work, name)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    extras = asyncio.run(_counts(url, ("opinions", "opinion_followups", "feedback", "attendance")))
    return (
        url,
        gen_s + copy_s,
        {
            "opinions": extras["opinions"],
            "followups": extras["opinion_followups"],
            "feedback": extras["feedback"],
            "attendance": extras["attendance"],
        },
    )
