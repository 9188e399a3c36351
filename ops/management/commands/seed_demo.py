"""`manage.py seed_demo`: the Japanese demo data and its accounts; `--scale large` adds a
prefecture-sized data set for benchmarks.

Each app's demo data lives beside it (its demo.py, and its demo_data/ files); this command,
in ops because ops may import every app, loads them in the direction data flows.

The demo accounts share a published password, so the command refuses to run unless DEBUG
is on: a production database must never receive them.
"""

import argparse
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cms.demo import demo_pages_seed
from drills.demo import demo_drills_seed, demo_scenarios_seed
from drills.demo_programme import demo_programme_seed
from people import demo
from people.fiscal import fiscal_year_of
from people.models import Department, Organisation, Person
from terminal_logs.demo import demo_terminal_logs_seed
from terminal_logs.demo_review import demo_review_seed
from training.demo import (
    demo_course_policy_seed,
    demo_earlier_sessions_seed,
    demo_quiz_seed,
    demo_reading_seed,
    demo_sessions_seed,
)


class Command(BaseCommand):
    help = (
        "Load the demo data (熊本県 and four municipalities) and the demo accounts, whose "
        f"password is {demo.PASSWORD}. Safe to run again. Runs only with DEBUG=true."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["normal", "large"], default="normal",
            help="large also adds synthetic municipalities up to 45 organisations, "
            "2,000 departments and 50,000 people, for benchmarks.",
        )
        # The tests shrink the large data set to stay fast.
        parser.add_argument("--people", type=int, default=demo.LARGE_PEOPLE, help=argparse.SUPPRESS)

    def handle(self, *, scale, people, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with "
                "DEBUG=true. Never run it against a production database."
            )
        today = timezone.localdate()
        demo.demo_seed(today=today)
        # The one place the demo is put together, app by app in the direction data flows.
        demo_pages_seed()
        demo_sessions_seed(quiz=demo_quiz_seed(today=today), now=timezone.now())
        demo_course_policy_seed(today=today)
        demo_earlier_sessions_seed(now=timezone.now())
        demo_reading_seed(now=timezone.now())
        demo_scenarios_seed()
        demo_drills_seed(now=timezone.now())
        demo_programme_seed(now=timezone.now())
        demo_terminal_logs_seed(now=timezone.now())
        demo_review_seed(now=timezone.now())
        self.stdout.write(self._summary(today))
        self.stdout.write(
            f"Demo accounts (password {demo.PASSWORD}): "
            + ", ".join([*(account["username"] for account in demo.DEMO_ACCOUNTS),
                         demo.COLLEAGUE_USERNAME])
        )
        if scale == "large":
            started = time.monotonic()
            added = demo.demo_seed_large(people=people, today=today)
            if added is None:
                self.stdout.write("The large data set is already present; nothing added.")
            else:
                self.stdout.write(
                    "Large data set added in {:.1f} s: {organisations} organisations, "
                    "{departments} departments, {people} people, {id_grants} ID grants.".format(
                        time.monotonic() - started, **added
                    )
                )
                self.stdout.write(self._summary(today))

    def _summary(self, today):
        fiscal_year = fiscal_year_of(today)
        return (
            f"{Organisation.objects.count()} organisations, {Department.objects.count()} "
            f"departments, {Person.objects.count()} people, "
            f"{Person.objects.id_holders(today).count()} ID holders, of whom "
            f"{Person.objects.new_id_holders(fiscal_year, today).count()} are new in "
            f"{fiscal_year.japanese_era_label()}."
        )
