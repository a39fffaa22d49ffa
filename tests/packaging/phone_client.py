"""The phone's side of a phone build, played by a test: the staged bundle started as the phone starts it,
and Flet's Flutter client replaced by `PhoneClient`, which speaks Flet's socket protocol.

On a phone, Flet's runtime runs ``main`` from the bundle (``runpy.run_module("main", run_name="__main__")``,
the app folder first on ``sys.path``) and its Flutter client talks to it. Here the bundle runs in
``python -I -S`` with only the staged folder and the site-packages (no project checkout, no editable
install) on its path, ``FLET_PLATFORM`` set as the phone sets it, and a Unix socket for the transport. The
client registers as an Android phone, keeps every control it is sent, types and taps like a finger, and
answers the app's calls to phone plugins (a permission request) the way a phone would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack

REGISTER, PATCH, EVENT, UPDATE_PROPS, INVOKE, CRASHED = 1, 2, 3, 4, 5, 6

#: Printed by the bundle before it starts: where its code comes from, and what cannot be imported.
BOOT = """
import importlib.util, json, runpy, sys
bundle, *site = sys.argv[1:]
sys.path[:0] = [bundle]
sys.path.extend(site)
found = {name: getattr(importlib.util.find_spec(name), "origin", None)
         for name in ("main", "app", "shared", "server", "tests", "bench")}
print("BOOT " + json.dumps(found), flush=True)
runpy.run_module("main", run_name="__main__")
"""


def site_packages() -> list[str]:
    """The interpreter's site-packages: what flet build installs into the phone, minus nothing of ours."""
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


def start_bundle(bundle: Path, run_dir: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The staged bundle as the phone starts it (see the module docstring), in ``run_dir`` (its working
    folder, which holds its socket and its log)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDLOG_", "FLET_"))}
    with open(run_dir / "bundle.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", BOOT, str(bundle), *site_packages()],
            cwd=run_dir,
            env={
                **clean,
                "FLET_PLATFORM": "android",
                "FLET_SERVER_UDS_PATH": str(run_dir / "flet.sock"),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def bundle_log(run_dir: Path) -> str:
    return (run_dir / "bundle.log").read_text(encoding="utf-8", errors="replace")


def boot_report(run_dir: Path) -> dict[str, str | None]:
    """The first line the bundle prints: the origin of each module it was asked about."""
    for line in bundle_log(run_dir).splitlines():
        if line.startswith("BOOT "):
            report: dict[str, str | None] = json.loads(line[5:])
            return report
    raise AssertionError(f"the bundle printed no boot line: {bundle_log(run_dir)}")


def _frame(action: int, body: Any) -> bytes:
    packet = b"\x00" + msgpack.packb([action, body])
    return len(packet).to_bytes(4, "little") + packet


def _controls_in(value: Any, into: dict[int, dict[str, Any]]) -> None:
    if isinstance(value, dict):
        if "_i" in value and "_c" in value:
            into[int(value["_i"])] = value
        for child in value.values():
            _controls_in(child, into)
    elif isinstance(value, list):
        for child in value:
            _controls_in(child, into)


def texts_of(control: dict[str, Any]) -> list[str]:
    """Every text a control and its children show (Text values, captions, labels, typed values)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.extend(
                value[k] for k in ("value", "label", "content", "hint_text") if isinstance(value.get(k), str)
            )
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(control)
    return found


class PhoneClient:
    """Flet's Flutter client on an Android phone, as far as a test needs it (see the module docstring)."""

    def __init__(self, run_dir: Path, answers: dict[str, Callable[[dict[str, Any]], Any]] | None = None):
        self.socket_path = run_dir / "flet.sock"
        #: Plugin method name -> its result, for the app's calls to phone plugins.
        self.answers = dict(answers or {})
        self.controls: dict[int, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self.crashed: str | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self, proc: subprocess.Popen[bytes], within_s: float = 60) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not self.socket_path.exists():
            if proc.poll() is not None:
                raise AssertionError(f"the bundle exited: {bundle_log(self.socket_path.parent)}")
            if loop.time() > deadline:
                raise AssertionError("the bundle did not open its socket")
            await asyncio.sleep(0.05)
        self._reader, self._writer = await asyncio.open_unix_connection(str(self.socket_path))

    async def register(self, width: int = 390, height: int = 844) -> None:
        page = {"platform": "android", "web": False, "route": "/", "width": width, "height": height}
        await self._send(REGISTER, {"session_id": None, "page_name": "", "page": page})

    async def _send(self, action: int, body: Any) -> None:
        assert self._writer is not None
        self._writer.write(_frame(action, body))
        await self._writer.drain()

    async def _receive(self) -> None:
        from flet.messaging.protocol import decode_ext_from_msgpack

        assert self._reader is not None
        size = int.from_bytes(await self._reader.readexactly(4), "little")
        packet = await self._reader.readexactly(size)
        action, body = msgpack.unpackb(packet[1:], ext_hook=decode_ext_from_msgpack, strict_map_key=False)
        if action in (REGISTER, PATCH):
            _controls_in(body, self.controls)
        if action == PATCH:
            # Replace operations on the patched control itself (tree node 0): [0, 0, property, value].
            target = self.controls.get(int(body["id"]))
            for op in body["patch"][1:]:
                if target is not None and op[0] == 0 and op[1] == 0 and isinstance(op[2], str):
                    target[op[2]] = op[3]
        elif action == INVOKE and body["name"] == "push_route":
            # Flutter's router takes the new address, answers the call, and tells the page its route changed.
            self.calls.append(body)
            route = (body.get("args") or {}).get("route", "/")
            reply = {
                "control_id": body["control_id"],
                "call_id": body["call_id"],
                "result": None,
                "error": "",
            }
            await self._send(INVOKE, reply)
            await self._send(UPDATE_PROPS, {"id": body["control_id"], "props": {"route": route}})
            await self._send(
                EVENT, {"target": body["control_id"], "name": "route_change", "data": {"route": route}}
            )
        elif action == INVOKE:
            self.calls.append(body)
            answer = self.answers.get(body["name"])
            result, error = (answer(body.get("args") or {}), "") if answer else (None, "not on this phone")
            await self._send(
                INVOKE,
                {
                    "control_id": body["control_id"],
                    "call_id": body["call_id"],
                    "result": result,
                    "error": error,
                },
            )
        elif action == CRASHED:
            self.crashed = str(body)

    async def until(self, what: Callable[[], Any], within_s: float = 30) -> Any:
        """Read what the app sends until ``what()`` gives something true; return that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            found = what()
            if found:
                return found
            assert self.crashed is None, self.crashed
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"the phone never showed it; last screens: {self.views()}")
            try:
                await asyncio.wait_for(self._receive(), timeout=left)
            except TimeoutError:
                continue

    def views(self) -> list[str]:
        return [c["key"] for c in self.controls.values() if c.get("_c") == "View" and "key" in c]

    def view(self, key: str) -> dict[str, Any] | None:
        """The newest screen with this key (``view-signin``, ``view-home``, ...)."""
        found = [c for i, c in sorted(self.controls.items()) if c.get("_c") == "View" and c.get("key") == key]
        return found[-1] if found else None

    def find(self, kind: str, **props: Any) -> dict[str, Any] | None:
        found = [
            c
            for _, c in sorted(self.controls.items())
            if c.get("_c") == kind and all(c.get(k) == v for k, v in props.items())
        ]
        return found[-1] if found else None

    async def type(self, field: dict[str, Any], text: str) -> None:
        await self._send(UPDATE_PROPS, {"id": field["_i"], "props": {"value": text}})
        await self._send(EVENT, {"target": field["_i"], "name": "change", "data": text})

    async def tap(self, control: dict[str, Any]) -> None:
        await self._send(EVENT, {"target": control["_i"], "name": "click", "data": None})

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
