"""The load run's settings (tests/bench_load.py): production's, with the trivial page."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.load_urls"
