"""Sync: push and pull of records, photos by SHA-256, and the yearly totals every write keeps.

The algorithm is described once, in `shared.protocol`.
"""
