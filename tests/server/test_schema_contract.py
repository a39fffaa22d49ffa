"""The server's published contracts hold: the OpenAPI schema the phone and integrators read, and one
metadata that knows every table the migrations create."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.core.db import Database
from server.core.migrate import include_object, upgrade
from server.core.models import Base
from tests.server.conftest import Api

PUBLISHED = Path(__file__).with_name("openapi.json")


async def test_served_openapi_schema_is_byte_for_byte_the_published_one(api: Api) -> None:
    # A change to the API must be deliberate: regenerate openapi.json from the served schema and review it.
    resp = await api.client().get("/schema/openapi.json")
    assert resp.status_code == 200
    assert resp.content == PUBLISHED.read_bytes()


def _proposed(conn: sa.Connection) -> list[object]:
    context = MigrationContext.configure(
        conn,
        opts={
            "compare_type": True,
            "render_as_batch": conn.dialect.name == "sqlite",
            "include_object": include_object(conn.dialect.name),
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_autogenerate_against_a_migrated_database_proposes_nothing(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db)
        async with db.engine.connect() as conn:
            proposed = await conn.run_sync(_proposed)
    finally:
        await db.dispose()
    assert proposed == []
