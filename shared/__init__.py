"""The contract shared by the phone app and the server: record kinds, sync messages, policy profiles and rules.

Standard library only: this package ships inside the phone app.
"""
