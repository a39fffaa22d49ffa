"""The term's body parsers: a bad amount, code or date is a 400 naming the field."""

from __future__ import annotations

import pytest

from server.core.errors import ApiError
from server.term import forms
from shared import term as vocab
from shared.profiles import Profile


@pytest.mark.parametrize(
    ("raw", "fen"), [("5000", 500000), ("5000.5", 500050), ("0.01", 1), (12000, 1200000), (99.9, 9990)]
)
def test_an_amount_in_yuan_becomes_whole_fen(raw: object, fen: int) -> None:
    assert forms.amount_fen(raw, "service_fee_cny") == fen
    assert forms.yuan(fen) == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize("raw", ["-1", "1.234", "abc", "1e5", True, [5000], "5 000", "00012"])
def test_a_bad_amount_is_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(ApiError) as e:
        forms.amount_fen(raw, "service_fee_cny")
    assert e.value.status_code == 400 and e.value.field == "service_fee_cny"


def test_an_unknown_specialty_code_is_refused_naming_the_field() -> None:
    assert forms.codes(["urban_renewal", "landscape", "urban_renewal"], "specialties", vocab.SPECIALTIES) == (
        "urban_renewal",
        "landscape",
    )
    with pytest.raises(ApiError) as e:
        forms.codes(["urban_renewal", "city_magic"], "specialties", vocab.SPECIALTIES)
    assert e.value.field == "specialties" and "city_magic" in str(e.value.detail)
    with pytest.raises(ApiError) as e:
        forms.codes([], "specialties", vocab.SPECIALTIES, at_least=1)
    assert e.value.field == "specialties"


def test_a_violation_record_names_its_position() -> None:
    with pytest.raises(ApiError) as e:
        forms.violations([{"on": "2024-01-01", "note": "x"}, {"on": "2024-13-01", "note": "y"}])
    assert e.value.field == "violations[1].on"
    with pytest.raises(ApiError) as e:
        forms.violations([{"note": ""}])
    assert e.value.field == "violations[0].note"


def test_every_profile_code_is_a_known_code(profile: Profile) -> None:
    e = profile.eligibility
    assert e.min_degree is None or e.min_degree in vocab.DEGREES
    assert e.min_title is None or e.min_title in vocab.TITLES
    assert set(e.degree_fields) <= set(vocab.DEGREE_FIELDS)
    assert set(profile.pool_removal_reasons) <= set(vocab.REMOVAL_REASONS)
    assert set(profile.appointment_steps) <= set(vocab.APPOINTMENT_STEPS)
    assert set(profile.dismissal_codes) <= set(vocab.DISMISSAL_GROUNDS)
    assert set(profile.contract_clauses) <= set(vocab.CONTRACT_CLAUSES)
    assert {c.code for c in profile.consequences} <= set(vocab.CONSEQUENCES)


def test_every_label_has_both_languages_and_the_same_placeholders() -> None:
    import string

    catalogues = [
        v
        for v in vars(vocab).values()
        if isinstance(v, dict) and v and isinstance(next(iter(v.values())), tuple)
    ]
    assert len(catalogues) >= 15
    for labels in catalogues:
        for code, (zh, en) in labels.items():
            assert zh and en, code
            names = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in (zh, en)]
            assert names[0] == names[1], code
