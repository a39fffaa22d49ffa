# One entry point for people and CI. `make run` starts the demo, `make test` runs the full suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test check browser weaklink clean bench apk ipa

# The phone's packages ([project] dependencies), Flet's web client, the server and the test tools.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[web,server,dev]'
	touch $(STAMP)

## Install, migrate a SQLite database under ./data, seed the demo deployment, start server and app.
run: $(STAMP)
	$(VENV)/bin/fieldlog demo

## Install everything the suite needs (Debian's Chromium, the weak-link tools), check the import layers, run the suite.
test: $(STAMP) browser weaklink
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

## Debian's Chromium and a CJK font for the browser tests (never Playwright's own browser download).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

## The weak-link tests' tools from Debian: ip netns and tc (iproute2), iptables, ethtool. Needs root to install.
weaklink:
	@missing=; \
	for tool in ip:iproute2 tc:iproute2 iptables:iptables ethtool:ethtool; do \
		command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## ruff, mypy and pytest: the same as CI, plus the linters.
check: $(STAMP) browser weaklink
	$(VENV)/bin/ruff check app server shared tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench.sync_push
	$(PY) -m bench.summary
	$(PY) -m bench.dashboard
	$(PY) -m bench.appraisal
	$(PY) -m bench.id_locality
	$(PY) -m bench.photo
	$(PY) -m bench.term_pool
	$(PY) -m bench.sites
	$(PY) -m bench.weak_link

## Phone builds, on a machine with the Flutter SDK (flet-cli installs the JDK and Android SDK it lacks; see
## the README's phone section). `ipa` needs macOS with Xcode.
apk: $(STAMP)
	$(VENV)/bin/flet build apk . --yes

ipa: $(STAMP)
	$(VENV)/bin/flet build ipa . --yes

clean:
	rm -rf $(VENV) data test-artifacts
