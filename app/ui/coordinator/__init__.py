"""Coordinators' screens: the dashboard, the map, the appraisal and dossiers, downloads, the audit log."""
