"""HTTP endpoint of the plain basemap tiles (public: a map widget fetches tiles without a token)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath

from server.core.errors import bad_request
from server.maps import tiles

#: A tile never changes: phones and browsers may keep it for a week.
CACHE = "public, max-age=604800, immutable"


class TileController(Controller):
    path = "/map/tiles"
    tags = ("maps",)

    @get(
        "/{z:int}/{x:int}/{name:str}",
        summary="A plain basemap tile (XYZ, 256 px), for deployments that configure no tile service",
        media_type="image/png",
    )
    async def tile(self, z: FromPath[int], x: FromPath[int], name: FromPath[str]) -> Response[bytes]:
        # A path segment holds "{y}.png": the number is read here.
        stem, dot, ext = name.partition(".")
        if not stem.isdigit() or dot != "." or ext != "png":
            raise bad_request("y", "must be the tile row followed by .png")
        y = int(stem)
        wrong = tiles.check(z, x, y)
        if wrong is not None:
            raise bad_request(wrong, "is outside the tile grid at this zoom (z 0-19, x and y below 2^z)")
        # The web app draws tiles from its own origin, not the server's: the tiles are public, so any may.
        headers = {"Cache-Control": CACHE, "Access-Control-Allow-Origin": "*"}
        return Response(tiles.render(z, x, y), media_type="image/png", headers=headers)
