"""A deployment that sets no tile service still shows a map: the server draws plain tiles, the app is told
so (to say it on screen), and a configured service replaces them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.server.conftest import Api
from tests.server.world import World


async def test_without_a_tile_service_the_config_names_the_servers_own_tiles(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDLOG_MAP_TILE_URL", raising=False)
    config = (await world.s1.get("/api/config")).json()
    assert (config["tile_url"], config["tile_builtin"]) == ("/map/tiles/{z}/{x}/{y}.png", True)


async def test_a_configured_tile_service_replaces_them(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDLOG_MAP_TILE_URL", "https://t0.tianditu.gov.cn/{z}/{x}/{y}")
    config = (await world.s1.get("/api/config")).json()
    assert (config["tile_url"], config["tile_builtin"]) == ("https://t0.tianditu.gov.cn/{z}/{x}/{y}", False)


async def test_a_map_widget_fetches_a_tile_without_a_token_and_may_keep_it(api: Api) -> None:
    anonymous = api.client()
    resp = await anonymous.get("/map/tiles/15/26235/13563.png")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "image/png"
    assert "max-age" in resp.headers["cache-control"]
    assert resp.headers["access-control-allow-origin"] == "*"  # the web app's page has another origin
    img = Image.open(io.BytesIO(resp.content))
    assert (img.format, img.size) == ("PNG", (256, 256))


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/map/tiles/20/0/0.png", "z"),
        ("/map/tiles/2/4/0.png", "x"),
        ("/map/tiles/2/0/4.png", "y"),
        ("/map/tiles/2/0/1.jpg", "y"),
        ("/map/tiles/2/0/one.png", "y"),
    ],
)
async def test_a_tile_outside_the_grid_is_a_400_naming_the_coordinate(
    api: Api, path: str, field: str
) -> None:
    resp = await api.client().get(path)
    assert resp.status_code == 400
    assert resp.json()["field"] == field
