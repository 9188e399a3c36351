"""The settings module refuses unsafe production configuration and passes Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "kunren.example.lg.jp",
}


def manage(*args, **env):
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE",
                       "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**environment, **env},
        capture_output=True, text=True, timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_a_debug_value_it_cannot_read():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_production_settings_give_a_test_run_no_key_of_their_own():
    """The throwaway key lives in tests/settings.py: config.settings, imported beside
    pytest with DEBUG off and no SECRET_KEY, refuses to start like any other process."""
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "-c", "import pytest, config.settings"], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_the_suite_runs_on_the_test_settings(settings):
    assert settings.SETTINGS_MODULE == "tests.settings"
    assert settings.SECRET_KEY == "insecure-test-key-never-use-in-production"


def test_smtp_gives_up_on_a_hanging_relay_after_a_timeout():
    read = ("from django.conf import settings; "
            "print(settings.EMAIL_BACKEND, settings.EMAIL_TIMEOUT)")
    result = manage("shell", "-c", read, EMAIL_HOST="relay.example.lg.jp", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["django.core.mail.backends.smtp.EmailBackend", "10"]
    result = manage("shell", "-c", read, EMAIL_HOST="relay.example.lg.jp", EMAIL_TIMEOUT="3",
                    **PRODUCTION)
    assert result.stdout.split()[-1] == "3"
