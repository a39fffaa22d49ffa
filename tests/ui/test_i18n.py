"""The one string catalogue: both languages complete, placeholders matching, times and errors formatted."""

from __future__ import annotations

import string

from app import i18n
from app.i18n import CATALOGUE, field_error, fmt_hours, fmt_time, t
from shared import records


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_zh_and_en_have_the_same_keys_and_no_empty_text() -> None:
    assert set(CATALOGUE["zh"]) == set(CATALOGUE["en"])
    for lang in i18n.LANGS:
        assert all(text.strip() for text in CATALOGUE[lang].values()), lang


def test_placeholders_match_between_languages() -> None:
    for key, zh in CATALOGUE["zh"].items():
        assert _placeholders(zh) == _placeholders(CATALOGUE["en"][key]), key


def test_chinese_is_the_default_language() -> None:
    assert i18n.DEFAULT_LANG == "zh"
    assert t("xx", "nav.home") == "首页"


def test_every_record_field_and_choice_has_a_label_in_both_languages() -> None:
    keys = {f"field.{name}" for schema in records.SCHEMAS.values() for name in schema}
    keys |= {f"opinion_kind.{k}" for k in records.OPINION_KINDS}
    keys |= {f"category.{k}" for k in records.FEEDBACK_CATEGORIES}
    keys |= {f"kind.{k}" for k in records.KINDS}
    missing = sorted(k for k in keys if k not in CATALOGUE["en"])
    assert missing == []


def test_every_record_status_code_has_words() -> None:
    from app.status import CODES

    for code in CODES:
        assert f"status.{code}" in CATALOGUE["zh"]


def test_progress_reads_confirmed_over_target() -> None:
    assert t("zh", "home.progress", confirmed=6, target=10) == "6 / 10 已确认"
    assert t("en", "home.progress", confirmed=6, target=10) == "6 / 10 confirmed"


def test_times_are_shown_in_local_time() -> None:
    assert fmt_time("2026-11-22T01:30:00+00:00", "zh") == "11月22日 09:30"
    assert fmt_time("2026-11-22T01:30:00+00:00", "en") == "22 Nov 09:30"
    assert fmt_time(None, "zh") == "从未"


def test_hours_have_two_decimals_like_the_rules() -> None:
    assert fmt_hours(1.5) == "1.50"


def test_a_validation_error_names_the_field_in_the_planners_language() -> None:
    assert field_error("zh", "site", "is required") == "地点：必填"
    assert field_error("en", "site", "is required") == "Place: is required"
    assert field_error("zh", "contact", "is stored only with the resident's consent (contact_consent)") == (
        "联系方式：只有居民同意才能保存联系方式"
    )


def test_an_unknown_key_shows_itself_rather_than_nothing() -> None:
    assert t("en", "no.such.key") == "no.such.key"


def test_sizes_read_as_a_phone_shows_them() -> None:
    assert i18n.fmt_bytes(512, "zh") == "512 字节" and i18n.fmt_bytes(512, "en") == "512 bytes"
    assert i18n.fmt_bytes(40_960, "en") == "41 KB"
    assert i18n.fmt_bytes(999_600, "en") == "1.0 MB"
    assert i18n.fmt_bytes(1_234_567, "zh") == "1.2 MB"
    assert i18n.fmt_bytes(5_300_000_000, "en") == "5.3 GB"
