"""People: users and sign-in, districts, planners' responsibility areas and terms, exit requests (PDS-11),
dismissals and their grounds (CQ-11)."""
