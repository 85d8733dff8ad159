# The README's two commands are `make run` and `make test`; `make help` lists the rest.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APP := $(BIN)/flask --app portal
RUN_ENV := PORTAL_ENV=development
HOST ?= 127.0.0.1
PORT ?= 5000
BENCH_ARGS ?=
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-test run test e2e stress loadtest flood browser-deps lint format bench-fingerprints \
	i18n-extract \
	i18n-update i18n-compile db-upgrade bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed ## Create .venv and install the portal

install-test: $(VENV)/.installed-test ## Install the portal and what the tests need

i18n-compile: $(VENV)/.installed ## Build the .mo catalogs from the committed .po files
	$(BIN)/pybabel compile --statistics -d translations

i18n-extract: $(VENV)/.installed ## Extract translatable strings to translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --no-wrap -o translations/messages.pot .

i18n-update: i18n-extract ## Merge new strings into the ko and en catalogs
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
		--ignore-obsolete --no-fuzzy-matching --no-wrap
	$(BIN)/python scripts/fill_en_catalog.py translations/en/LC_MESSAGES/messages.po

db-upgrade: $(VENV)/.installed ## Create or upgrade the database schema
	$(RUN_ENV) $(APP) db upgrade

run: $(VENV)/.installed i18n-compile db-upgrade ## Serve the portal on http://127.0.0.1:5000
	$(RUN_ENV) $(APP) run --host $(HOST) --port $(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# The browser tests need axe-core from npm; without npm they skip and say how to install it.
browser-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.package-lock.json; \
	else echo "npm not found: browser tests will be skipped (apt-get install -y chromium npm)"; fi

test: install-test i18n-compile browser-deps ## Run the whole suite with branch coverage (fails under 90%)
	$(BIN)/python -m pytest --cov --cov-report=term

e2e: install-test i18n-compile node_modules/.package-lock.json ## Browser tests only (Debian Chromium + axe-core)
	$(BIN)/python -m pytest -m e2e tests/e2e

stress: install-test i18n-compile ## Load, fault and flood tests (PostgreSQL + Redis; restarts PostgreSQL)
	$(BIN)/python -m pytest -m stress tests/stress

loadtest: install-test i18n-compile ## Victims filing through a worker kill and a PostgreSQL restart
	$(BIN)/python scripts/loadtest.py $(ARGS)

flood: install-test i18n-compile ## One address flooding the forms while others file
	$(BIN)/python scripts/flood.py $(ARGS)

lint: install-test ## ruff, format check, mypy on portal/, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-test ## Apply ruff formatting
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test i18n-compile ## Benchmark table (gunicorn, bare Flask ceiling, queue at scale)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

bench-fingerprints: install-test i18n-compile ## Fingerprint matching at 1,000,000 stored (PostgreSQL)
	$(BIN)/python scripts/bench_fingerprints.py --fingerprints 1000000 --cases 20000 $(BENCH_ARGS)

clean: ## Remove the virtualenv, node modules, compiled catalogs and test artifacts
	rm -rf $(VENV) node_modules artifacts translations/*/LC_MESSAGES/*.mo
