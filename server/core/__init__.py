"""What every domain uses and which imports no domain: settings, database and tables, errors, identity and
sign-in throttle, audit, request parsing, the working-day calendar, gzip on the wire, migrations.
"""
