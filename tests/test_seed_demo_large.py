"""seed_demo's large data set, the benchmarks' prefecture, and its refusal outside DEBUG.
Each test starts from an empty database (test_seed_demo.py shares one seeded demo)."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F

from people.fiscal import FiscalYear
from people.models import Department, Organisation, Person, validate_local_government_code

TODAY = datetime.date(2026, 11, 26)  # the `clock` fixture's day, in fiscal year 2026
ACCOUNTS = ["coordinator", "supervisor", "operator", "evaluator", "kumamoto-city"]


@pytest.fixture
def seed(clock, settings, db):
    settings.DEBUG = True

    def run(*args, **options):
        out = StringIO()
        call_command("seed_demo", *args, stdout=out, **options)
        return out.getvalue()

    return run


def row_counts():
    return {model.__name__: model.objects.count() for model in (Organisation, Department, Person)}


def test_it_refuses_to_run_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_the_large_scale_adds_to_the_demo_once(seed):
    seed("--scale", "large", "--people", "2000")
    counts = row_counts()
    assert counts["Organisation"] == 45
    assert counts["Department"] == 2000
    assert counts["Person"] == 2000
    holders = Person.objects.id_holders(TODAY).count()
    new = Person.objects.new_id_holders(FiscalYear(2026), TODAY).count()
    assert 1100 <= holders <= 1300  # 60%
    assert 0.75 <= new / holders <= 0.85
    for lg_code in Organisation.objects.values_list("lg_code", flat=True):
        validate_local_government_code(lg_code)
    assert not Person.objects.exclude(organisation=F("department__organisation")).exists()
    assert get_user_model().objects.filter(username__in=ACCOUNTS).count() == 5
    assert not Person.objects.filter(job_title="").exists()
    heads = Person.objects.filter(roles__role="supervisor")
    assert set(heads.values_list("job_title", flat=True)) == {"課長"}

    assert "already present" in seed("--scale", "large", "--people", "2000")
    assert row_counts() == counts
