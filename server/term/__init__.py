"""The planner's term: the pool (PDS-3 to PDS-6, CQ-2, CQ-7), district requests and dispatch (PDS-7, PDS-8,
CQ-3), the end of a term (PDS-10, CQ-9, CQ-11), leaving early with a replacement (PDS-11), and the gaps."""
