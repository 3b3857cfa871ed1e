# The two commands: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
# node_modules/.package-lock.json is what `npm ci` writes last: newer than the lock file = done.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: run test lint bench fuzz install clean browser crm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/crm serve --port $(PORT)

# Any `crm` command without activating the venv: make crm ARGS="config show".
crm: $(STAMP)
	$(BIN)/crm $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crm

test: lint browser
	$(BIN)/pytest

# axe-core for the layout test, pinned in package-lock.json; skipped when already installed.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing Debian's npm for the layout test"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error

# Browser tests drive Debian's chromium (never a downloaded browser).
browser: $(NODE_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The long fuzz run: every action (valid and schema-breaking input) and every page form,
# about 26,000 requests; prints the count and fails on any 5xx or half-saved refusal.
fuzz: $(STAMP)
	CRM_FUZZ_EXAMPLES=260 $(BIN)/pytest -q -s tests/api/test_fuzz_actions.py tests/web/test_fuzz_forms.py

bench: $(STAMP) browser
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache
