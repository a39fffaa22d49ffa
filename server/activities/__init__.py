"""Consultation activities held by a district, their invitations and attendance (CQ-11)."""
