"""Benchmarks of the sync path and the summary endpoint; each module prints one JSON object."""
