"""Entry point of the phone build: `flet build apk|ipa` bundles this file with app/, shared/ and assets/
and runs it on the phone. Web mode (`python -m app`, `make run`) starts from app/__main__.py instead."""

from app.main import run_on_device

if __name__ == "__main__":
    run_on_device()
