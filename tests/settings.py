"""The test suite's settings (pyproject's DJANGO_SETTINGS_MODULE): config.settings with
what only tests may have.

The SECRET_KEY is a throwaway key, put in the environment before config.settings reads
it, so that processes a test starts (a django-q2 worker) inherit the same key and can
read what the test signed. config.settings itself has no key to fall back on but the
development one, and that only with DEBUG on.
"""

import os

os.environ.setdefault("SECRET_KEY", "insecure-test-key-never-use-in-production")

from config.settings import *  # noqa: E402, F403
from config.settings import FAILURE_RATE_LIMITS  # noqa: E402

# The fuzzing pass posts hundreds of wrong codes from one address; the limits themselves
# are tested with their real values (tests/test_login_limits.py).
FAILURE_RATE_LIMITS = {name: (10**9, seconds) for name, (_limit, seconds)
                       in FAILURE_RATE_LIMITS.items()}
