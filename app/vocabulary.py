"""The term's codes in words: the server's vocabulary (`GET /api/pool/vocabulary`) read for a screen.

The server sends every code of the planner's term with its Chinese and English label, the reasons its rules
give as templates, and the profile's rules (grades, notice days, term length). Screens label codes and word
reasons only through `Words`, so the phone never keeps a list of its own; a code the server did not label
shows as itself. Reasons are filled by `shared.term.describe`, the same function the server's documents use.
"""

from __future__ import annotations

from typing import Any, Final

from app import i18n
from shared import term as shared_term

#: Which catalogue of the vocabulary labels a reason's or check's parameter.
_PARAM_CATALOGUES: Final = {
    "degree": "degrees",
    "min_degree": "degrees",
    "field": "degree_fields",
    "title": "titles",
    "min_title": "titles",
    "status": "pool_statuses",
}


class Words:
    """The vocabulary of one server, in one language at a time (``lang`` is passed per call)."""

    def __init__(self, body: dict[str, Any] | None = None) -> None:
        self.body: dict[str, Any] = dict(body or {})
        self._labels: dict[str, dict[str, tuple[str, str]]] = {}
        for kind, items in self.body.items():
            if isinstance(items, list) and all(isinstance(i, dict) and "code" in i for i in items):
                self._labels[kind] = {str(i["code"]): (str(i["zh"]), str(i["en"])) for i in items}

    @property
    def loaded(self) -> bool:
        return bool(self.body)

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.body.get("rules") or {})

    def codes(self, kind: str) -> list[str]:
        return list(self._labels.get(kind, {}))

    def label(self, kind: str, code: str | None, lang: str) -> str:
        if code is None:
            return ""
        return shared_term.label(self._labels.get(kind, {}), str(code), lang)

    def choices(self, kind: str, lang: str) -> list[tuple[str, str]]:
        """(code, label) in the server's order."""
        return [(code, self.label(kind, code, lang)) for code in self.codes(kind)]

    def labels(self, kind: str, codes: list[str] | tuple[str, ...], lang: str) -> str:
        """Several codes as one line, 、 between them in Chinese."""
        return ("、" if lang == "zh" else ", ").join(self.label(kind, c, lang) for c in codes)

    def grade(self, name: str | None, lang: str) -> str:
        """A grade as the server names it (the profile's Chinese) in ``lang``."""
        if not name:
            return ""
        grades, grades_en = list(self.rules.get("grades") or []), list(self.rules.get("grades_en") or [])
        if lang != "zh" and name in grades and len(grades_en) == len(grades):
            return str(grades_en[grades.index(name)])
        return name

    def _params(self, params: dict[str, Any], lang: str) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for key, value in params.items():
            if key in _PARAM_CATALOGUES and isinstance(value, str):
                shown[key] = self.label(_PARAM_CATALOGUES[key], value, lang)
            elif key == "qualification" and value == "registered_planner":
                # Registration as a planner counts as the practising qualification (PDS-3).
                shown[key] = i18n.t(lang, "field.registered_planner")
            elif key == "grade" and isinstance(value, str):
                shown[key] = self.grade(value, lang)
            elif isinstance(value, bool):
                shown[key] = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
            elif value is None:
                shown[key] = "无" if lang == "zh" else "none"
            else:
                shown[key] = value
        return shown

    def reason(self, reason: dict[str, Any] | None, lang: str) -> str:
        """A reason the term's rules gave, ``{code, params}``, in words."""
        if not reason:
            return ""
        params = self._params(dict(reason.get("params") or {}), lang)
        return shared_term.describe(str(reason.get("code")), params, lang, self._labels.get("reasons", {}))
