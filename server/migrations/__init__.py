"""Alembic migrations, run programmatically by `server.core.migrate` (``fieldlog db upgrade``)."""
