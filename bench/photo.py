"""The phone's photo pipeline on a 12 MP camera JPEG, against plain Pillow in the same run.

Set-up, once: a 4000 × 3000 JPEG made with Pillow (quality 92, like a phone camera) whose picture has
the detail of a photo (gradients, shapes and sensor-like noise, so it does not compress away), with EXIF
orientation 6 (held sideways) and a GPS position.

Measured, ``BENCH_RUNS`` (default 7) runs of each, alternating:
- ``pipeline``: `app.photos.prepare_photo`, what the app does to every photo (upright from EXIF, metadata
  dropped, at most 2048 px with LANCZOS, JPEG quality 80 optimized, a 320 px thumbnail, the SHA-256);
- ``plain``: ``Image.open`` → ``thumbnail((2048, 2048))`` → ``save(JPEG, quality 80)``, the least a
  resizing app does (Pillow's JPEG draft mode decodes at half size; nothing is turned upright).
Medians of the seconds, the output bytes (the pipeline's stored JPEG and thumbnail), the ratio of the
medians, and what each output is: its size in pixels, upright or not, EXIF and GPS left in or not.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import time
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from app.photos import MAX_EDGE, prepare_photo

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
SIZE = (4000, 3000)
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def camera_jpeg() -> bytes:
    """A 12 MP photo-like JPEG, held sideways (EXIF orientation 6), with a GPS position."""
    w, h = SIZE
    sky = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    img = Image.merge(
        "RGB", (sky.getchannel(0), Image.new("L", (w, h), 150), sky.getchannel(0).point(lambda v: 255 - v))
    )
    draw = ImageDraw.Draw(img)
    for i in range(60):
        x, y = (i * 613) % w, (i * 389) % h
        draw.rectangle(
            (x, y, x + 300 + i * 7, y + 200 + i * 5), fill=((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
        )
    noise = Image.effect_noise((w, h), 24).convert("RGB")
    img = Image.blend(img, noise, 0.18).filter(ImageFilter.GaussianBlur(0.6))
    exif = Image.Exif()
    exif[0x010F] = "FieldCam"
    exif[ORIENTATION] = 6
    exif[GPS_IFD] = {1: "N", 2: (29.0, 33.0, 46.8), 3: "E", 4: (106.0, 33.0, 5.76)}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def plain(raw: bytes) -> bytes:
    img = Image.open(io.BytesIO(raw))
    img.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return out.getvalue()


def describe(jpeg: bytes) -> dict[str, Any]:
    img = Image.open(io.BytesIO(jpeg))
    exif = img.getexif()
    return {
        "pixels": list(img.size),
        # The source is 4000 wide and 3000 high held sideways: upright means taller than wide.
        "upright": img.height > img.width,
        "exif_left_in": len(exif) > 0,
        "gps_left_in": GPS_IFD in exif,
    }


def main() -> None:
    raw = camera_jpeg()
    times: dict[str, list[float]] = {"pipeline": [], "plain": []}
    sizes: dict[str, list[int]] = {"pipeline": [], "pipeline_thumb": [], "plain": []}
    outputs: dict[str, bytes] = {}
    for run in range(RUNS):
        order = ("pipeline", "plain") if run % 2 == 0 else ("plain", "pipeline")
        for name in order:
            start = time.perf_counter()
            if name == "pipeline":
                prepared = prepare_photo(raw)
                elapsed = time.perf_counter() - start
                sizes["pipeline"].append(len(prepared.jpeg))
                sizes["pipeline_thumb"].append(len(prepared.thumb))
                outputs["pipeline"] = prepared.jpeg
            else:
                out = plain(raw)
                elapsed = time.perf_counter() - start
                sizes["plain"].append(len(out))
                outputs["plain"] = out
            times[name].append(elapsed)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        json.dumps(
            {
                "benchmark": "photo",
                "runs": RUNS,
                "source": {"pixels": list(SIZE), "bytes": len(raw), "exif_orientation": 6, "gps": True},
                "median_s": {name: round(value, 4) for name, value in median.items()},
                "ratio_pipeline_over_plain": round(median["pipeline"] / median["plain"], 2),
                "median_bytes": {name: int(statistics.median(values)) for name, values in sizes.items()},
                "output": {name: describe(jpeg) for name, jpeg in outputs.items()},
                "runs_s": {name: [round(v, 4) for v in values] for name, values in times.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
