"""The fieldlog server: sync, review and summaries for planners, district staff and coordinators."""
