# The two commands of the README: `make demo` and `make test`. Both work on a fresh machine
# with only the system Python 3.11, Node.js and npm: they build .venv and node_modules.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := safewell/static/build/.built

.PHONY: demo test install assets clean

demo: install assets
	$(BIN)/safewell demo

test: install assets
	scripts/test.sh

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json $(wildcard safewell/core/frontend/*)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

clean:
	rm -rf $(VENV) node_modules safewell/static/build staticfiles
