"""`manage.py audit_verify`: walk the audit trail's hash chain (audit.chain) and say
whether it is intact; exit 1 at the first broken or missing link, naming it."""

from django.core.management.base import BaseCommand, CommandError

from audit import chain


class Command(BaseCommand):
    help = "Check that the audit trail's hash chain is intact."

    def handle(self, *args, **options):
        verdict = chain.verify()
        if not verdict.intact:
            raise CommandError(f"audit trail NOT intact after {verdict.count} events: "
                               f"{verdict.problem}", returncode=1)
        self.stdout.write(f"audit trail intact: {verdict.count} events")
