"""Drive the Flet web app like a thumb on a 390×844 phone, counting taps and inputs (Playwright)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
CHONGQING = {"latitude": 29.5630, "longitude": 106.5516, "accuracy": 12}


def launch(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@dataclass
class Phone:
    """One phone (browser context) on the app; ``taps`` counts every tap and text input the planner makes."""

    browser: Browser
    url: str
    shots: Path
    geolocation: dict[str, float] | None = field(default_factory=lambda: dict(CHONGQING))
    taps: int = 0
    log: list[str] = field(default_factory=list)
    page: Page = field(init=False)

    def __post_init__(self) -> None:
        kwargs: dict[str, Any] = {"viewport": PHONE, "device_scale_factor": 2}
        if self.geolocation is not None:
            kwargs.update(geolocation=self.geolocation, permissions=["geolocation"])
        self.context = self.browser.new_context(**kwargs)
        self.page = self.context.new_page()
        self.page.route("**/*", _local_only)
        self.open()

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_function("() => !document.getElementById('loading')", timeout=60_000)
        # The app's splash (assets/index.html) covers the page until the first screen is drawn.
        self.page.wait_for_function("() => !document.getElementById('fieldlog-splash')", timeout=60_000)
        # Flutter builds its accessibility tree only once asked to; roles and names come from it.
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=60_000)
        placeholder.dispatch_event("click")
        self.page.locator("flt-semantics").first.wait_for(state="attached", timeout=60_000)

    def close(self) -> None:
        self.context.close()

    # --- the planner's actions (counted) ---

    def tap(self, name: str, role: str = "button", *, exact: bool = False, then: str | None = None) -> None:
        """One tap. With ``then``, wait for that text; a tap the browser dropped is repeated, uncounted.

        Clicks reach Flutter web through its accessibility tree; a node rebuilt by a background re-render
        at that instant swallows the click (a finger on the canvas is not affected), so the harness
        re-taps once and notes it in ``log``.
        """
        for attempt in range(3):
            target = self.page.get_by_role(role, name=name, exact=exact).first  # type: ignore[arg-type]
            try:
                target.wait_for(state="visible", timeout=30_000)
                target.scroll_into_view_if_needed()
                if attempt == 0:
                    target.click()
                else:
                    # A retry sends the click to the semantics node itself, not to screen coordinates that
                    # a re-render may have just covered.
                    target.dispatch_event("click")
            except PlaywrightError as exc:
                if "not attached" not in str(exc) or attempt == 2:
                    raise
                continue  # the node was rebuilt between finding and clicking it: find it again
            if then is None:
                break
            try:
                self.see(then, timeout=10_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                self.log.append(f"re-tap {role} {name!r} (click dropped by a re-render)")
        self.taps += 1
        self.log.append(f"tap {role} {name!r}")

    def type_into(self, label: str, text: str) -> None:
        """One input: tap the field and type (counted once, like one dictation or one typed note)."""
        box = self.page.get_by_role("textbox", name=label).first
        box.wait_for(state="visible", timeout=30_000)
        # A tap that lands while the screen is still being laid out can miss the field, and on a busy
        # machine a fill can land before Flutter listens: tap and type again until the field holds it.
        for attempt in range(3):
            box.scroll_into_view_if_needed()
            box.click()
            try:
                expect(box).to_be_focused(timeout=5_000)
                box.fill(text)
                expect(box).to_have_value(text, timeout=3_000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                self.log.append(f"re-type {label!r}")
                time.sleep(0.5)
        self.taps += 1
        self.log.append(f"input {label!r}")

    def choose_photo(self, button: str, path: Path) -> None:
        """Tap 'add photo' and pick one file in the chooser: two taps on a phone."""
        with self.page.expect_file_chooser(timeout=30_000) as chooser:
            self.tap(button)
        chooser.value.set_files(str(path))
        self.taps += 1
        self.log.append(f"pick {path.name}")

    def browser_back(self, then: str) -> None:
        """The browser's (or the phone's system) back button, once; wait for ``then``."""
        self.page.go_back()
        self.see(then)
        self.taps += 1
        self.log.append("browser back")

    def browser_forward(self, then: str) -> None:
        self.page.go_forward()
        self.see(then)
        self.taps += 1
        self.log.append("browser forward")

    # --- looking (not counted) ---

    def address(self) -> str:
        """The path part of the address bar (each screen has its own)."""
        return str(self.page.evaluate("() => location.pathname"))

    def see(self, text: str, timeout: float = 30_000) -> None:
        # A tappable card is one button whose name holds all its text; plain text is a text node.
        target = (
            self.page.get_by_text(text)
            .or_(self.page.get_by_role("button", name=text))
            .or_(self.page.get_by_role("textbox", name=text))
            .or_(self.page.get_by_role("checkbox", name=text))
        )
        expect(target.first).to_be_visible(timeout=timeout)

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        # The accessibility tree can be ahead of the painted canvas: let a few frames paint.
        self.page.mouse.move(5, 5)  # no hover tooltip left over from the last tap
        time.sleep(0.6)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _local_only(route: Any) -> None:
    url = route.request.url
    if url.startswith(("http://127.0.0.1", "http://localhost", "blob:", "data:")):
        route.continue_()
    else:
        route.abort()
