# The two commands of the README: `make run` and `make test`. Everything they need is
# installed from this repository's own files (setup.cfg files, package.json + lock).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := booking events elearning crm newsletter news counselling grants
HUB_CONFIG ?= config/development.ini
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::UserWarning

.PHONY: run test install assets browser i18n lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Every distribution builds in isolation from its own pyproject.toml (setuptools and babel);
# one pip call, so the plugins' requirement hub-core is the core from this repository.
EXAMPLES := examples/hub-greetings examples/hub-theme-schools
$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml $(wildcard plugins/*/setup.cfg) $(foreach e,$(EXAMPLES),$(e)/setup.cfg) package.json package-lock.json
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[testing,dev]' $(foreach p,$(PLUGINS),-e plugins/$(p)) $(foreach e,$(EXAMPLES),-e $(e))
	$(MAKE) assets
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "Chromium could not be installed: browser tests will be skipped (CI fails)"

assets:
	npm ci --no-audit --no-fund
	$(BIN)/python -m hub.assets

run: install
	mkdir -p var
	HUB_CONFIG=$(HUB_CONFIG) $(BIN)/hub db upgrade
	HUB_CONFIG=$(HUB_CONFIG) $(BIN)/hub demo
	trap 'kill 0' EXIT; HUB_CONFIG=$(HUB_CONFIG) $(BIN)/hub worker & HUB_CONFIG=$(HUB_CONFIG) $(BIN)/hub serve

# The whole suite on SQLite, then again on PostgreSQL (skipped with a reason when no
# PostgreSQL answers at PG_URL; a failure in CI). Each distribution's tests run on their own,
# as they would for a plugin developed outside this repository.
SUITES := tests $(foreach p,$(PLUGINS),plugins/$(p)) examples/hub-greetings
test: install browser
	status=0; for suite in $(SUITES); do \
		env -u HUB_TEST_DATABASE_URL $(BIN)/pytest -n 2 $$suite || status=1; done; \
	for suite in $(SUITES); do \
		HUB_TEST_DATABASE_URL=$${HUB_TEST_DATABASE_URL:-$(PG_URL)} \
		$(BIN)/pytest -n 2 -m "not slow and not browser" $$suite || status=1; done; \
	exit $$status
	$(BIN)/ruff check core plugins tests examples bench
	$(BIN)/bandit -q -c pyproject.toml -r core plugins -ll

i18n: install
	$(BIN)/python -m hub.build core/hub hub
	$(foreach p,$(PLUGINS),$(BIN)/python -m hub.build plugins/$(p)/hub_$(p) hub_$(p);)

# The load generator is Debian's wrk; the newsletter's SMTP sink is Postfix's smtp-sink
# (only the program is used: the package is installed without configuring a mail server).
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@PATH="$$PATH:/usr/sbin" command -v smtp-sink >/dev/null || ( \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules var build *.egg-info plugins/*/*.egg-info
