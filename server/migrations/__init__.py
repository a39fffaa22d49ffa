"""Alembic migrations, run programmatically by `server.migrate` (``fieldlog db upgrade``)."""
