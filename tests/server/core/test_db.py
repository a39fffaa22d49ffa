"""The database layer: SQLite's fast bulk insert writes exactly what SQLAlchemy writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from server.core.db import Database, insert_many
from server.core.models import UTCDateTime

_probe = sa.Table(
    "probe",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime()),
    sa.Column("doc", sa.JSON()),
    sa.Column("flag", sa.Boolean()),
)

INSTANTS = [
    datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, 0, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
]


async def test_bulk_insert_on_sqlite_stores_what_sqlalchemy_stores(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    try:
        async with db.write() as conn:
            await conn.run_sync(_probe.metadata.create_all)
        rows = [
            {"id": i, "at": at, "doc": {"站点": "解放碑", "n": i}, "flag": i % 2 == 0}
            for i, at in enumerate(INSTANTS)
        ]
        async with db.write() as conn:
            await conn.execute(_probe.insert(), [{**r, "id": r["id"] + 100} for r in rows])
            await insert_many(conn, _probe, rows)
        async with db.read() as conn:
            core = (
                await conn.execute(sa.select(_probe).where(_probe.c.id >= 100).order_by(_probe.c.id))
            ).all()
            fast = (
                await conn.execute(sa.select(_probe).where(_probe.c.id < 100).order_by(_probe.c.id))
            ).all()
            assert [tuple(r)[1:] for r in fast] == [tuple(r)[1:] for r in core]
            assert [r.at for r in fast] == [at.astimezone(UTC) for at in INSTANTS]
            if conn.dialect.name == "sqlite":
                raw = "SELECT CAST(at AS TEXT) FROM probe WHERE id {} ORDER BY id"
                core_text = (await conn.exec_driver_sql(raw.format(">= 100"))).scalars().all()
                fast_text = (await conn.exec_driver_sql(raw.format("< 100"))).scalars().all()
                assert fast_text == core_text
    finally:
        await db.dispose()
