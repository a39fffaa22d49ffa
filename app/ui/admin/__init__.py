"""The administrator's screens: users, districts and the roster import."""
