"""Entry point of the phone app: `python -m app` serves it as a Flet web app on http://127.0.0.1:8550, and
the phone build (`flet build`, through the root main.py) runs `run_on_device`.

Each browser session is one phone with its own `AppState`; once signed in it has its own local store
(keyed by server and username). A background task syncs by itself whenever the server can be reached.
On a phone the stores live in Flet's durable app storage, which survives app updates.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from pathlib import Path

import flet as ft
import flet_geolocator as ftg

from app.device import PhoneServices, on_phone
from app.permissions import PermissionGate, device_ask
from app.ui.planner.device import Services
from app.ui.planner.sync import sync_now
from app.ui.roles import PLANNER, OnlineViews, RoleApp, role_of
from app.ui.state import AppState

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
FONT = "fonts/DroidSansFallbackFull.ttf"


def data_dir() -> Path:
    """Where the phone's stores and photos live.

    A phone build gets ``FLET_APP_STORAGE_DATA`` from Flet: the app's durable storage, kept when the app is
    updated (the folder the app itself runs from is replaced by every update). Web mode keeps
    ``FIELDLOG_DATA_DIR`` (default ``./data``).
    """
    durable = os.environ.get("FLET_APP_STORAGE_DATA")
    return Path(durable or os.environ.get("FIELDLOG_DATA_DIR") or "data").resolve()


def upload_dir() -> Path:
    return data_dir() / "phone" / "uploads"


def sync_interval_s() -> float:
    return float(os.environ.get("FIELDLOG_SYNC_INTERVAL", "20"))


def setup_page(page: ft.Page) -> None:
    page.title = "实地指导记录 · Field log"
    # Offline web mode bundles only Roboto: without this font every Chinese character is a box. The web
    # client loads it while it starts (assets/assets/FontManifest.json names it), so the first screen is
    # drawn at once; a phone build loads it from the bundle when the page asks for it.
    if not page.web:
        page.fonts = {"cjk": FONT}
    page.theme = ft.Theme(font_family="cjk", color_scheme_seed="#0b4f9c")
    page.theme_mode = ft.ThemeMode.LIGHT


#: Where the device keeps the language of its sign-in screen (the browser's or the phone's preferences).
LANG_PREF = "fieldlog.lang"


async def device_language(prefs: ft.SharedPreferences) -> object:
    """The language this device chose before, if it can say so soon; a new device has none (zh-CN)."""
    try:
        return await asyncio.wait_for(prefs.get(LANG_PREF), timeout=5)
    except Exception as exc:  # no answer: the sign-in screen speaks the default
        log.info("device language: no answer (%r)", exc)
        return None


async def main(page: ft.Page) -> None:
    prefs = ft.SharedPreferences()
    page.services.append(prefs)
    # Asked before anything is drawn: the first screen speaks this device's language. The font goes with
    # that screen (setup_page below), and the web page's splash stays until the font is asked for.
    lang = await device_language(prefs)
    setup_page(page)
    configured = os.environ.get("FIELDLOG_SERVER_URL", "").strip()
    state = AppState(
        data_dir=data_dir(),
        default_server=configured or "http://127.0.0.1:8000",
        server_fixed=bool(configured),
        tz=os.environ.get("FIELDLOG_TZ", "Asia/Shanghai"),
        remember_device_lang=lambda lang: page.run_task(prefs.set, LANG_PREF, lang),
    )
    state.device_language(lang)
    services: Services

    async def on_result(e: ft.FilePickerResultEvent) -> None:
        await services.picked(state, e)

    def on_upload(e: ft.FilePickerUploadEvent) -> None:
        services.uploaded(state, e)

    geolocator = ftg.Geolocator()
    picker = ft.FilePicker(on_result=on_result, on_upload=on_upload)
    online: OnlineViews

    async def on_document(e: ft.FilePickerResultEvent) -> None:
        await online.file_picked(e)

    # Documents (the admin's roster) come with their bytes, apart from the planner's photos.
    documents = ft.FilePicker(on_result=on_document)
    online = OnlineViews(state, files=documents)
    page.services.extend([geolocator, picker, documents])
    if on_phone(page):
        # The web client has no permission plugin; the browser asks for the location by itself.
        import flet_permission_handler as fph

        handler = fph.PermissionHandler()
        page.services.append(handler)
        services = PhoneServices(
            page=page,
            geolocator=geolocator,
            picker=picker,
            upload_dir=upload_dir(),
            camera=True,
            gate=PermissionGate(device_ask(geolocator, handler)),
            lang=lambda: state.lang,
        )
    else:
        services = Services(
            page=page,
            geolocator=geolocator,
            picker=picker,
            upload_dir=upload_dir(),
            camera=os.environ.get("FIELDLOG_CAMERA", "").lower() in ("1", "on", "true", "yes"),
        )
    closed = asyncio.Event()
    page.on_disconnect = lambda _: closed.set()
    page.on_close = lambda _: closed.set()
    # Planners get the phone screens; district staff and coordinators their online screens.
    page.render_views(RoleApp, state, services, online)

    async def auto_sync() -> None:
        # Syncs by itself: now and then, and soon after something was saved while the outbox waits.
        while not closed.is_set():
            with_work = state.store is not None and state.store.outbox_count() > 0
            delay = sync_interval_s() / (4 if with_work else 1)
            try:
                await asyncio.wait_for(closed.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
            if state.store is not None and state.token and role_of(state) == PLANNER:
                try:
                    await sync_now(state)
                except Exception:
                    log.exception("background sync failed")

    page.run_task(auto_sync)


def _log_to_stderr() -> None:
    # Errors in handlers and renders go to stderr: Flet only logs them, and a log without a handler is lost.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("app").setLevel(logging.INFO)


def run_on_device() -> None:
    """Start the app inside a phone build: Flet's embedded runtime connects it to the phone's screen."""
    _log_to_stderr()
    ft.run(main, assets_dir=str(ASSETS_DIR))


def run() -> None:
    """Serve the web app (phone builds start with `run_on_device`, from the root main.py)."""
    _log_to_stderr()
    os.environ.setdefault("FLET_WEB_NO_CDN", "true")
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "true")
    # Uploads in web mode need a signing key; a random one per process is enough for one device.
    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_hex(32))
    upload_dir().mkdir(parents=True, exist_ok=True)
    ft.run(
        main,
        host=os.environ.get("FLET_SERVER_IP", "127.0.0.1"),
        port=int(os.environ.get("FLET_SERVER_PORT", "8550")),
        view=ft.AppView.WEB_BROWSER,
        assets_dir=str(ASSETS_DIR),
        upload_dir=str(upload_dir()),
        no_cdn=True,
    )


if __name__ == "__main__":
    run()
