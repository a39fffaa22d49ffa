"""The web page the browser loads first (assets/index.html): fieldlog's splash in place of Flet's logo and
its English "Working...", on a copy of flet-web's own page that still carries everything Flet patches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import flet_web

from app.main import ASSETS_DIR, FONT, LANG_PREF
from app.ui.chrome import MARK

OURS = ASSETS_DIR / "index.html"
FLETS = Path(flet_web.__file__).parent / "web" / "index.html"


def test_the_splash_speaks_chinese_first_and_english_when_this_device_chose_it() -> None:
    page = OURS.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert re.search(r'id="fieldlog-splash"[^>]*role="status"', page)
    assert 'data-zh="实地指导记录" data-en="Field log">实地指导记录<' in page
    assert 'data-zh="正在打开，请稍候…" data-en="Opening, please wait…">正在打开，请稍候…<' in page
    # The key app.main keeps the device's language under, as Flet's SharedPreferences writes it in a browser.
    assert f'localStorage.getItem("flutter.{LANG_PREF}")' in page
    assert "Working" not in page and "loading-animation.png" not in page


def test_the_splash_leaves_with_the_first_screen_which_shows_the_apps_mark() -> None:
    page = OURS.read_text(encoding="utf-8")
    assert f'data-mark="{MARK}"' in page and (ASSETS_DIR / MARK).is_file()
    # The splash's own words use the app's font too, so they never show as boxes.
    assert f'src: url("{FONT}")' in page and (ASSETS_DIR / FONT).is_file()


def test_the_web_client_loads_the_chinese_font_while_it_starts() -> None:
    """The theme's font family is in the client's font manifest: the first screen needs no font load."""
    ours = json.loads((ASSETS_DIR / "assets" / "FontManifest.json").read_text(encoding="utf-8"))
    flets = json.loads((FLETS.parent / "assets" / "FontManifest.json").read_text(encoding="utf-8"))
    assert ours[: len(flets)] == flets  # Flet's own fonts (icons, maths) are all still there
    [cjk] = ours[len(flets) :]
    assert cjk == {"family": "cjk", "fonts": [{"asset": f"../{FONT}"}]}


def test_the_page_keeps_every_script_and_placeholder_of_flet_webs_own() -> None:
    """A Flet upgrade that changes its page makes this fail, so the copy is brought up to date."""
    ours, flets = OURS.read_text(encoding="utf-8"), FLETS.read_text(encoding="utf-8")
    for script in re.findall(r"<script\b.*?</script>", flets, flags=re.S):
        assert script in ours, script[:80]
    for placeholder in ('<base href="/">', "<!-- fletAppConfig -->", '<div id="loading"'):
        assert placeholder in flets and placeholder in ours
    head = lambda page: re.sub(r"<title>.*?</title>", "", page.split("<body>")[0])  # noqa: E731
    assert head(ours).replace('<html lang="zh-CN">', "<html>") == head(flets)
