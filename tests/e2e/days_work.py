"""A planner's day in the field as the phone holds it before syncing: 30 visits, 5 opinions, 5 feedback and
40 site photos of about 300 KB each, made as real JPEGs and put through the app's own photo pipeline."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image

from app.photos import PreparedPhoto, prepare_photo
from app.store import LocalStore
from tests.app.helpers import feedback, visit

VISITS, OPINIONS, FEEDBACK, PHOTOS = 30, 5, 5, 40
#: A camera frame of this size and grain comes out of prepare_photo at about 300 KB (measured: 276-320).
FRAME, GRAIN = (1200, 900), 45


def camera_frame(seed: int) -> bytes:
    """A JPEG as a phone camera might hand over: a tinted gradient under sensor-like noise."""
    rnd = random.Random(seed)
    w, h = FRAME
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    tint = Image.new("RGB", (w, h), (rnd.randint(40, 220), rnd.randint(40, 220), rnd.randint(40, 220)))
    noise = Image.effect_noise((w, h), GRAIN).convert("RGB")
    frame = Image.blend(Image.blend(base, tint, 0.5), noise, 0.35)
    buf = io.BytesIO()
    frame.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def site_photos(count: int = PHOTOS) -> list[PreparedPhoto]:
    return [prepare_photo(camera_frame(seed)) for seed in range(count)]


@dataclass(frozen=True)
class DaysWork:
    visit_ids: list[str]
    opinion_ids: list[str]
    feedback_ids: list[str]
    #: digest -> size in bytes of the stored JPEG
    photos: dict[str, int]

    @property
    def photo_bytes(self) -> int:
        return sum(self.photos.values())

    @property
    def records(self) -> int:
        return len(self.visit_ids) + len(self.opinion_ids) + len(self.feedback_ids)


def opinion(district_id: int, n: int) -> dict[str, object]:
    return {
        "district_id": district_id,
        "subject": f"控规调整意见 {n}",
        "opinion_kind": "plan_review",
        "body": "同意，建议补充交通影响评价。",
        "issued_at": f"2026-03-{n + 1:02d}T16:00:00+08:00",
    }


def fill_phone(store: LocalStore, district_id: int, photos: list[PreparedPhoto]) -> DaysWork:
    """Save the day on ``store``: each visit has a photo, five visits a second, each feedback one."""
    digests = [store.add_photo(p.jpeg, p.thumb) for p in photos]
    per_visit = [[d] for d in digests[:VISITS]]
    for i, extra in enumerate(digests[VISITS : VISITS + 5]):
        per_visit[i].append(extra)
    visit_ids = [
        store.save(
            "visit", visit(district_id, day=i + 1, site=f"老城片区 {i + 1} 号地块", photos=per_visit[i])
        )
        for i in range(VISITS)
    ]
    opinion_ids = [store.save("opinion", opinion(district_id, n)) for n in range(OPINIONS)]
    feedback_ids = [
        store.save("feedback", feedback(district_id, photos=[d]))
        for d in digests[VISITS + 5 : VISITS + 5 + FEEDBACK]
    ]
    return DaysWork(
        visit_ids, opinion_ids, feedback_ids, {d: len(p.jpeg) for d, p in zip(digests, photos, strict=True)}
    )
