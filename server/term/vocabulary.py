"""Everything a screen of the term needs to label codes and to know the profile's rules, in one answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from shared import term as vocab
from shared.profiles import Profile


def vocabulary(profile: Profile) -> dict[str, Any]:
    removal = profile.pool_removal_reasons or ("other",)
    return {
        "profile": profile.name,
        "planner_title": profile.planner_title,
        "planner_title_en": profile.planner_title_en,
        "bureau": profile.bureau_name,
        "pool_name": profile.pool_name,
        "rules": {
            "eligibility": {
                **asdict(profile.eligibility),
                "degree_fields": list(profile.eligibility.degree_fields),
            },
            "pool_notice_working_days": profile.pool_notice_working_days,
            "term_years": profile.term_years,
            "exit_notice_working_days": profile.exit_notice_working_days,
            "grades": list(profile.grades),
            "grades_en": list(profile.grades_en),
            "appraisal_rule_id": profile.appraisal_rule_id,
            "pool_removal_rule_id": profile.pool_removal_rule_id,
            "absence_consecutive_limit": profile.absence_consecutive_limit,
            "absence_yearly_limit": profile.absence_yearly_limit,
        },
        "specialties": vocab.choices(vocab.SPECIALTIES),
        "degrees": vocab.choices(vocab.DEGREES),
        "degree_fields": vocab.choices(vocab.DEGREE_FIELDS),
        "titles": vocab.choices(vocab.TITLES),
        "pool_statuses": vocab.choices(vocab.POOL_STATUSES),
        "objection_statuses": vocab.choices(vocab.OBJECTION_STATUSES),
        "request_statuses": vocab.choices(vocab.REQUEST_STATUSES),
        "dispatch_statuses": vocab.choices(vocab.DISPATCH_STATUSES),
        "removal_reasons": [c for c in vocab.choices(vocab.REMOVAL_REASONS) if c["code"] in removal],
        "dismissal_grounds": [
            c for c in vocab.choices(vocab.DISMISSAL_GROUNDS) if c["code"] in profile.dismissal_codes
        ],
        "appointment_steps": [
            c for c in vocab.choices(vocab.APPOINTMENT_STEPS) if c["code"] in profile.appointment_steps
        ],
        "contract_clauses": vocab.choices(vocab.CONTRACT_CLAUSES),
        "contract_clauses_required": list(profile.contract_clauses),
        "decisions": vocab.choices(vocab.DECISIONS),
        "end_reasons": vocab.choices(vocab.END_REASONS),
        "consequences": vocab.choices(vocab.CONSEQUENCES),
        "reasons": vocab.choices(vocab.REASONS),
        "events": vocab.choices(vocab.EVENTS),
    }
