# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
ADDRESS ?= 127.0.0.1:8000

.PHONY: run test bench lint messages install

install: $(VENV)/.installed

# Progress goes to stderr, so that `make bench` prints only its figures on stdout.
$(VENV)/.installed: pyproject.toml
	@echo "Installing into $(VENV) ..." >&2
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --upgrade pip >&2
	@$(VENV)/bin/pip install --quiet -e ".[dev]" >&2
	@touch $@

# Serves the demo site with a django-q2 worker beside it; Ctrl-C stops both.
run: export DEBUG ?= true
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) qcluster & worker=$$!; \
	$(MANAGE) runserver $(ADDRESS)

test: install
	$(PY) -m pytest

bench: install
	@$(PY) tests/bench.py

lint: install
	$(VENV)/bin/ruff check .

# Regenerates the Japanese catalogue from the source; commit the .po and the .mo.
messages: install
	DEBUG=true $(MANAGE) makemessages --locale ja --no-obsolete --ignore '.venv/*' --ignore 'tests/*'
	DEBUG=true $(MANAGE) compilemessages --locale ja --ignore '.venv/*'
