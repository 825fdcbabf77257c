# One command to set up and start on the embedded default, one to run the whole suite.
# Needs only Python 3.11 and make; everything else is installed into .venv from pinned files.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup messages run test lint fmt constraints vendor clean

help:
	@echo "make run    set up .venv, migrate SQLite, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint   ruff"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements/base.txt requirements/dev.txt requirements/constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

# Translation catalogues are compiled with Babel so that GNU gettext is not needed. A domain with
# no catalogue yet is skipped; a broken catalogue stops the build. (--use-fuzzy because a header
# freshly written by makemessages is marked fuzzy, and Babel would skip the whole file.)
messages: $(STAMP)
	@for domain in django djangojs; do \
		if ls locale/*/LC_MESSAGES/$$domain.po >/dev/null 2>&1; then \
			$(BIN)/pybabel -q compile --use-fuzzy -d locale -D $$domain || exit 1; \
		fi; \
	done

setup: $(STAMP) messages

run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "TTHC Tracker is starting on http://$(HOST):$(PORT)/ (Ctrl+C stops it)."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After editing requirements/*.txt: rebuild the venv from scratch and record every version.
constraints:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	: > requirements/constraints.txt
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt -r requirements/production.txt
	($(BIN)/python -m pip freeze | sed '1i # Every transitive version, fixed. Regenerate with make constraints.') > requirements/constraints.txt
	@touch $(STAMP)

# Refresh static/vendor/ from the npm packages pinned in package.json (needs node; the copies are
# committed, so `make run` never does).
vendor:
	bash scripts/vendor_static.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache db.sqlite3*
