"""The planner's screens: home, visit, opinion, feedback, records, sync; each beside its state's methods."""
