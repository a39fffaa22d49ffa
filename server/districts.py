"""Districts: listing those a user may see, and adding one (CLI)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, get

from .audit import audit
from .auth import CurrentUser
from .db import Database, utcnow
from .models import District, table_of

_districts = table_of(District)


async def visible_districts(db: Database, user: CurrentUser) -> list[dict[str, Any]]:
    query = sa.select(_districts.c.id, _districts.c.name).order_by(_districts.c.id)
    if not user.sees_all:
        query = query.where(_districts.c.id.in_(sorted(user.district_ids)))
    async with db.read() as conn:
        return [{"id": r.id, "name": r.name} for r in await conn.execute(query)]


async def add_district(db: Database, name: str) -> int:
    name = name.strip()
    if not name:
        raise ValueError("name: is required")
    async with db.write() as conn:
        if (await conn.execute(sa.select(_districts.c.id).where(_districts.c.name == name))).first():
            raise ValueError(f"name: a district called {name!r} exists")
        new_id = (
            await conn.execute(
                _districts.insert().values(name=name, created_at=utcnow()).returning(_districts.c.id)
            )
        ).scalar_one()
        await audit(conn, None, "district.add", "district", str(new_id), None, {"name": name})
    return int(new_id)


async def district_ids_by_name(db: Database, names: list[str]) -> list[int]:
    async with db.read() as conn:
        rows = dict(
            (
                await conn.execute(
                    sa.select(_districts.c.name, _districts.c.id).where(_districts.c.name.in_(names))
                )
            )
            .tuples()
            .all()
        )
    missing = [n for n in names if n not in rows]
    if missing:
        raise ValueError(f"district: no district called {missing[0]!r}; add it with `fieldlog district add`")
    return [rows[n] for n in names]


class DistrictController(Controller):
    path = "/api/districts"
    tags = ("districts",)

    @get("", summary="Districts the signed-in user may see")
    async def list_districts(self, request: Request[CurrentUser, Any, Any]) -> list[dict[str, Any]]:
        return await visible_districts(request.app.state.db, request.user)
