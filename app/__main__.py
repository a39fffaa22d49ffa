"""`python -m app`: serve the phone app as a web app (see app.main)."""

from app.main import run

run()
