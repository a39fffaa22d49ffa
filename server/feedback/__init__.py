"""Residents' feedback analysed per planner and year, and forwarded to the bureau and the district
(PDS-2c)."""
