"""The contract of the phone app and the server: record kinds, sync messages, policy profiles, rules.

Standard library only: this package ships inside the phone app.
"""
