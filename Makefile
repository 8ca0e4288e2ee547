# Internkontroll: build and test entry points.
#
#   make run                        venv + install, migrate, demo data if empty, serve
#                                   (HOST and PORT from the environment, default 127.0.0.1:8000)
#   make test                       ruff, then pytest on SQLite and on a throwaway PostgreSQL, side by side
#   make test PYTEST_ARGS="-k login"
#   make bench                      storkommun benchmark on SQLite, then on a throwaway PostgreSQL
#                                   (minutes; not part of `make test`; see docs/performance.md)
#   make bench BENCH_ARGS="--scale small --repeat 5"
#   make lint | migrate | demo | clean

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS ?=
# pytest-xdist workers per leg: the PostgreSQL leg waits on its server more than it computes,
# and the SQLite leg then takes up the idle core.
PG_WORKERS ?= 2
SQLITE_WORKERS ?= 2
# pytest exits 5 when it collects no tests: accepted only when PYTEST_ARGS narrows the run.
NO_TESTS_OK := $(if $(strip $(PYTEST_ARGS)),5,0)

# Stamps: reinstall only when pyproject.toml / package-lock.json change.
INSTALLED := $(VENV)/.installed-dev
NODE_INSTALLED := node_modules/.installed

.PHONY: run test bench lint migrate demo install clean

run: $(INSTALLED)
	$(BIN)/internkontroll migrate
	$(BIN)/internkontroll demo --if-empty
	exec $(BIN)/internkontroll serve

# Every step runs even if an earlier one failed; the target fails if any did. The two
# database legs share nothing (own temp dirs, ports and databases), so they run side by side
# on separate cores; each writes its own log, printed whole when both are done.
test: $(INSTALLED) $(NODE_INSTALLED)
	@lint=0; sqlite=0; postgres=0; logs=$$(mktemp -d); \
	banner() { printf '\n==================== %s ====================\n' "$$1"; }; \
	ok() { [ "$$1" -eq 0 ] || [ "$$1" -eq $(NO_TESTS_OK) ]; }; \
	banner "ruff check ."; \
	$(BIN)/ruff check . || lint=$$?; \
	echo "pytest: SQLite and PostgreSQL legs running side by side; their logs follow when done"; \
	env -u DATABASE_URL $(BIN)/pytest -n $(SQLITE_WORKERS) $(PYTEST_ARGS) > $$logs/sqlite.log 2>&1 & sqlite_pid=$$!; \
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest -n $(PG_WORKERS) $(PYTEST_ARGS) \
		> $$logs/postgres.log 2>&1 || postgres=$$?; \
	wait $$sqlite_pid || sqlite=$$?; \
	banner "pytest leg 1/2: SQLite (DATABASE_URL unset)"; \
	cat $$logs/sqlite.log; \
	banner "pytest leg 2/2: PostgreSQL (throwaway server)"; \
	cat $$logs/postgres.log; \
	rm -rf $$logs; \
	banner "summary"; \
	echo "ruff: exit $$lint   SQLite leg: exit $$sqlite   PostgreSQL leg: exit $$postgres"; \
	[ "$$lint" -eq 0 ] && ok "$$sqlite" && ok "$$postgres"

# One engine after the other, never side by side: each leg measures on the machine's cores.
# Each leg works in a database of its own (a temporary SQLite file, a database it creates on
# the throwaway server) and prints Markdown for docs/performance.md.
bench: $(INSTALLED)
	env -u DATABASE_URL $(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m bench $(BENCH_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .

migrate: $(INSTALLED)
	$(BIN)/internkontroll migrate

demo: $(INSTALLED)
	$(BIN)/internkontroll demo --if-empty

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules var
