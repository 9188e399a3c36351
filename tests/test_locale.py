"""The Japanese catalogue is complete and its committed .mo matches the .po."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale", "ja", "LC_MESSAGES")

pytestmark = pytest.mark.skipif(
    not shutil.which("msgfmt"), reason="needs GNU gettext (apt-get install gettext)"
)


def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, ROOT / CATALOGUE / "django.po"], check=True)
    assert compiled.read_bytes() == (ROOT / CATALOGUE / "django.mo").read_bytes(), (
        "locale/ja/LC_MESSAGES/django.mo is stale: run `make messages` and commit it"
    )


def test_every_message_in_the_source_has_a_japanese_translation(tmp_path):
    # makemessages rewrites the catalogue in place, so run it on a copy of the source.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.sqlite3*", "media", "tests", ".bench"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "ja", "--no-obsolete"],
        # The copy has no tests/, so not the suite's settings module: manage.py's own.
        cwd=source, env={**{key: value for key, value in os.environ.items()
                            if key != "DJANGO_SETTINGS_MODULE"}, "DEBUG": "true"},
        check=True, capture_output=True,
    )
    statistics = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, source / CATALOGUE / "django.po"],
        capture_output=True, text=True, check=True,
    ).stderr
    assert "untranslated" not in statistics and "fuzzy" not in statistics, (
        f"{statistics.strip()}: run `make messages` and translate the new messages"
    )
