"""The appraisal: the yearly summary, dashboard and alerts, dossiers and grades (CQ-5, CQ-9, PDS-10).

Pure rules (`model`, `alerts`, `attendance`, `grading`) beside the SQL that feeds them (`summary`, `data`,
`dashboard`, `service`).
"""
