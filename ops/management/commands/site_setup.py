"""manage.py site_setup --hostname HOST: the first-install steps that cannot be clicked
together in the Wagtail admin, or should not be.

- our home page in place of Wagtail's welcome page, open to signed-in staff only, as the
  default site at HOST (port 443 unless --port says otherwise);
- for each organisation: its training index and a draft emergency response plan, and its
  editors' group with the page permissions on them (cms.editors);
- the coordinators' group with the admin permissions coordinators need (people.groups):
  Wagtail's group editor does not offer most of them.

Run it after `migrate`, and again after adding organisations; a second run changes nothing
that is there.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from cms.editors import editor_group_for
from cms.site import home_page_setup, organisation_pages_setup
from people.groups import COORDINATORS_GROUP, coordinators_group
from people.models import Organisation


class Command(BaseCommand):
    help = "Sets up the page tree, the editors' groups and the coordinators' group."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", required=True,
                            help="the host name staff reach the site at")
        parser.add_argument("--port", type=int, default=443)

    @transaction.atomic
    def handle(self, *, hostname, port, **options):
        home = home_page_setup(hostname=hostname, port=port)
        organisations = list(Organisation.objects.order_by("lg_code"))
        for organisation in organisations:
            organisation_pages_setup(organisation, home)
            editor_group_for(organisation)
        coordinators_group()
        self.stdout.write(
            f"Site {hostname}:{port}, pages and editors' groups for {len(organisations)} "
            f"organisations, and the group {COORDINATORS_GROUP}. Add each coordinator's "
            "account to that group, and each editor's to their organisation's editors' group."
        )
