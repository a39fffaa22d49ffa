"""A map tile server on 127.0.0.1 for browser tests: the browser must never fetch tiles from the internet.

Every ``/{z}/{x}/{y}.png`` answers a 256×256 PNG drawn here (a pale ground, a grid, and a few "roads"
derived from x and y, so neighbouring tiles differ), and the paths asked for are counted.
"""

from __future__ import annotations

import io
import re
import threading
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw

_TILE = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


@cache
def tile_png(z: int, x: int, y: int) -> bytes:
    img = Image.new("RGB", (256, 256), (238, 234, 222))
    draw = ImageDraw.Draw(img)
    for i in range(0, 256, 64):
        draw.line([(i, 0), (i, 255)], fill=(214, 208, 196), width=1)
        draw.line([(0, i), (255, i)], fill=(214, 208, 196), width=1)
    draw.line([(0, (x * 37) % 256), (255, (y * 53) % 256)], fill=(255, 255, 255), width=9)
    draw.line([((y * 29) % 256, 0), ((x * 41) % 256, 255)], fill=(250, 214, 120), width=6)
    draw.rectangle([(20 + x % 90, 30 + y % 80), (70 + x % 90, 70 + y % 80)], fill=(196, 222, 180))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The map cancels tile requests it no longer needs (a broken pipe); nothing to report.
        pass


class TileServer:
    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                m = _TILE.match(self.path.split("?", 1)[0])
                server.requests.append(self.path)
                if m is None:
                    self.send_error(404)
                    return
                body = tile_png(*(int(g) for g in m.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.url_template = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
