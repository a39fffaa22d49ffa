"""Appraisal domain logic (issue 4), free of the web framework and the database.

Inputs are the frozen dataclasses of `model`; the server maps its rows to them. Modules: `exceptions`
(visit flags and reason codes), `attendance` (CQ-11), `workdays` (PDS-4, PDS-11), `alerts` (pace,
CQ-11, PDS-10 term end, PDS-11), `grading` (dossier, suggested and final grades, CQ-9, CQ-10, PDS-10)
and `reports` (CQ-8 XLSX, CQ-4 and opinion DOCX).
"""
