# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
ADDRESS ?= 127.0.0.1:8000

.PHONY: run test bench lint messages install ci-durations

install: $(VENV)/.installed

# Progress goes to stderr, so that `make bench` prints only its figures on stdout.
$(VENV)/.installed: pyproject.toml
	@echo "Installing into $(VENV) ..." >&2
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --upgrade pip >&2
	@$(VENV)/bin/pip install --quiet -e ".[dev]" >&2
	@touch $@

# Serves the demo site with a django-q2 worker beside it; Ctrl-C stops both within
# 10 s (measured: about 7.5 s, idle or with a task running). On Ctrl-C the cluster waits
# for its busy workers, and a drill's clock task runs up to 50 s (the task timeout, 120 s,
# was the real bound): so the worker runs in a process group of its own (setsid), is
# asked to stop (SIGTERM), and after WORKER_GRACE_TENTHS tenths of a second its whole
# group is killed. The shell runs the trap once runserver, which takes the Ctrl-C itself,
# has stopped (about 3 s). Every task here is safe to lose (Q_CLUSTER in
# config/settings.py); the drill watchdog relaunches a clock.
WORKER_GRACE_TENTHS ?= 30
run: export DEBUG ?= true
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@trap 'kill -TERM -$$worker 2>/dev/null; tenths=0; \
	       while kill -0 -$$worker 2>/dev/null && [ $$tenths -lt $(WORKER_GRACE_TENTHS) ]; do \
	         sleep 0.1; tenths=$$((tenths + 1)); done; \
	       kill -KILL -$$worker 2>/dev/null' EXIT INT TERM; \
	setsid $(MANAGE) qcluster & worker=$$!; \
	$(MANAGE) runserver $(ADDRESS)

test: install
	$(PY) -m pytest

bench: install
	@$(PY) tests/bench.py

# Records each test's duration, from which .ci/run cuts its shards (pytest-split): refresh
# it when the suite has grown by a few hundred tests. One run on PostgreSQL, ~20 minutes.
ci-durations: install
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/durations REDIS_URL=redis://127.0.0.1:6379/5 \
	  $(PY) -m pytest --store-durations --durations-path .ci/test_durations

# ruff, then the layers contract in pyproject.toml (an upward import fails it).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Regenerates the Japanese catalogue from the source; commit the .po and the .mo.
messages: install
	DEBUG=true $(MANAGE) makemessages --locale ja --no-obsolete --ignore '.venv/*' --ignore 'tests/*'
	DEBUG=true $(MANAGE) compilemessages --locale ja --ignore '.venv/*'
