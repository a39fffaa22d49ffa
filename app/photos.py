"""The photo pipeline, as pure functions: upright, stripped of EXIF (GPS included), resized, thumbnailed.

The phone stores only what this returns; the camera original is never kept or sent. Digests are SHA-256
of the stored JPEG, which is what records carry and what the server checks before the phone deletes it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps

MAX_EDGE: Final = 2048
THUMB_EDGE: Final = 320
QUALITY: Final = 80
THUMB_QUALITY: Final = 70


class PhotoError(ValueError):
    """The file is not an image the phone can read."""


@dataclass(frozen=True)
class PreparedPhoto:
    jpeg: bytes
    thumb: bytes
    sha256: str
    width: int
    height: int


def _to_jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= and no icc_profile= argument: Pillow writes none of the source metadata.
    img.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def prepare_photo(raw: bytes, *, max_edge: int = MAX_EDGE, quality: int = QUALITY) -> PreparedPhoto:
    """Turn a camera file into the stored JPEG and its list thumbnail."""
    try:
        with Image.open(io.BytesIO(raw)) as src:
            src.load()
            upright = ImageOps.exif_transpose(src) or src
            img = _flatten(upright)
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"photo: not a readable image ({exc})") from None
    # A fresh image carries no metadata: what was in src.info (exif, GPS, comments) stays behind.
    clean = Image.new("RGB", img.size)
    clean.paste(img)
    clean.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    jpeg = _to_jpeg(clean, quality)
    thumb_img = clean.copy()
    thumb_img.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    thumb = _to_jpeg(thumb_img, THUMB_QUALITY)
    return PreparedPhoto(
        jpeg=jpeg,
        thumb=thumb,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        width=clean.width,
        height=clean.height,
    )
