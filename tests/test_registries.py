"""Where a lower app lets higher apps take part (a leaver's anonymisation, the audit of
reads of personal records, the coordinators' permissions), the higher apps register with
it: the lower app's module names none of them, neither by import nor by a string such as
"training.Notice" or "drills:report". (lint-imports catches imports; strings only this.)"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "people", "audit", "directory", "cms", "training", "drills", "reports", "config", "ops"]
# directory and cms share a layer, as config and ops do.
SAME_LAYER = {"directory": "cms", "cms": "directory", "config": "ops", "ops": "config"}
REGISTRIES = ["people/lifecycle.py", "people/groups.py", "audit/personal_records.py",
              "audit/trail.py", "audit/admin_history.py"]


def names_of_higher_apps(source: str, app: str) -> list[str]:
    higher = [other for other in LAYERS[LAYERS.index(app) + 1:] if other != SAME_LAYER.get(app)]
    tree = ast.parse(source)
    named = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    named += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
              for alias in node.names]
    named += [node.value for node in ast.walk(tree)
              if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [text for text in named if text for other in higher
            if text == other or text.startswith((f"{other}.", f"{other}:"))]


@pytest.mark.parametrize("path", REGISTRIES)
def test_a_registry_names_no_higher_app(path):
    app = path.split("/")[0]
    assert names_of_higher_apps((ROOT / path).read_text(), app) == []


@pytest.mark.parametrize("naming", [
    "from training.models import Notice", "import drills.report",
    'MODELS = ["training.Notice"]', 'PAGE = "drills:report"',
])
def test_the_check_finds_a_higher_app_however_it_is_named(naming):
    assert names_of_higher_apps(f"def f():\n    {naming}\n", "people")


def test_each_app_registers_its_own_part():
    from audit.personal_records import HISTORY_MODELS, PAGES
    from drills.models import Drill, LogEntry
    from people.groups import COORDINATOR_PERMISSIONS
    from people.lifecycle import registry
    from training.models import Attendance, Notice

    assert PAGES["drills:report"].model is Drill
    assert "training.attendance" in HISTORY_MODELS
    assert ("drills", "add_scenario") in COORDINATOR_PERMISSIONS
    assert {Notice, LogEntry} <= {texts.model for texts in registry.free_texts}
    assert Attendance in {named.model for named in registry.named_by}
