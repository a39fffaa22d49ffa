"""fieldlog phone app: the planner's Flet app (visits, opinions, residents' feedback), offline first."""
