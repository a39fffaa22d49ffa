"""The photo pipeline on real JPEGs made with Pillow: upright, at most 2048 px, no EXIF or GPS, thumbnail."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from app.photos import MAX_EDGE, THUMB_EDGE, PhotoError, prepare_photo

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def _jpeg(size: tuple[int, int], *, orientation: int | None = None, gps: bool = False) -> bytes:
    # Left half red, right half blue: tells which way the picture was turned.
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (29.0, 33.0, 0.0), 3: "E", 4: (106.0, 33.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_exif_rotated_photo_is_stored_upright() -> None:
    # Orientation 6: the sensor image must be turned 90° clockwise to be seen upright.
    raw = _jpeg((400, 300), orientation=6)
    out = prepare_photo(raw)
    img = _open(out.jpeg)
    assert img.size == (300, 400)
    top = img.getpixel((150, 20))
    bottom = img.getpixel((150, 380))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    # The left (red) half of the sensor image ends up on top after a clockwise turn.
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert ORIENTATION not in img.getexif()


def test_12_megapixel_photo_is_shrunk_to_2048_long_edge() -> None:
    out = prepare_photo(_jpeg((4000, 3000)))
    img = _open(out.jpeg)
    assert max(img.size) == MAX_EDGE
    assert img.size == (2048, 1536)
    assert (out.width, out.height) == img.size
    assert img.format == "JPEG"


def test_gps_and_all_exif_are_removed_from_the_stored_file() -> None:
    raw = _jpeg((800, 600), gps=True)
    assert GPS_IFD in _open(raw).getexif()
    out = prepare_photo(raw)
    for data in (out.jpeg, out.thumb):
        img = _open(data)
        assert len(img.getexif()) == 0
        assert "exif" not in img.info
        assert b"Exif" not in data[:4096]
        assert b"TestCam" not in data


def test_thumbnail_is_made_for_lists() -> None:
    out = prepare_photo(_jpeg((4000, 3000), orientation=6))
    thumb = _open(out.thumb)
    assert max(thumb.size) == THUMB_EDGE
    assert thumb.size[1] > thumb.size[0]  # upright like the photo
    assert len(out.thumb) < len(out.jpeg)


def test_digest_is_sha256_of_the_stored_jpeg() -> None:
    out = prepare_photo(_jpeg((640, 480)))
    assert out.sha256 == hashlib.sha256(out.jpeg).hexdigest()


def test_png_with_transparency_becomes_a_jpeg() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (100, 50), (0, 0, 0, 0)).save(buf, format="PNG")
    img = _open(prepare_photo(buf.getvalue()).jpeg)
    assert img.format == "JPEG" and img.mode == "RGB"


def test_a_file_that_is_not_an_image_is_refused_with_the_field_named() -> None:
    with pytest.raises(PhotoError, match=r"^photo: "):
        prepare_photo(b"not a picture")
