"""Written opinions' follow-up by the district: adoption and quality (PDS-2b, CQ-9)."""
