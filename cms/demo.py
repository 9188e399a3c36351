"""The demo's Wagtail pages: 熊本県's training modules and plan, and 熊本市's plan.

Called by `seed_demo` after the people exist. Pages are created and published once, found
again by slug on later runs, so a re-run neither duplicates nor republishes them.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from cms.demo_content import TRAINING_MODULES, emergency_plan, stream
from cms.editors import editor_group_for
from cms.models import EmergencyPlanPage, TrainingIndexPage, TrainingModulePage
from cms.site import home_page_setup, organisation_collection_setup
from people.models import Organisation

# Who must read each module: everything for new ID holders, and the two that every
# holder must keep current for all of them.
MODULE_AUDIENCE = {
    "access-log-review": "id_holders",
    "incident-response": "id_holders",
}
PLAN_ORGANISATIONS = {"430005": "市町村課", "431001": "区政課"}  # lg_code: lead division
EDITORS = {"coordinator": "430005", "kumamoto-city": "431001"}


@transaction.atomic
def demo_pages_seed() -> None:
    home = home_page_setup(hostname="localhost", port=80)
    prefecture = Organisation.objects.get(lg_code="430005")

    index = _child(home, TrainingIndexPage, slug="training-430005", title="熊本県 研修資料",
                   organisation=prefecture)
    for module in TRAINING_MODULES:
        _child(index, TrainingModulePage, slug=module["slug"], title=module["title"],
               summary=module["summary"], body=stream(module["body"], key=module["slug"]),
               required_for=MODULE_AUDIENCE.get(module["slug"], "new_id_holders"),
               reach="all")

    for lg_code, lead_division in PLAN_ORGANISATIONS.items():
        organisation = Organisation.objects.get(lg_code=lg_code)
        plan = emergency_plan(organisation.name, organisation.kind, lead_division=lead_division)
        _child(home, EmergencyPlanPage, slug=f"plan-{lg_code}", title=plan["title"],
               organisation=organisation, summary=plan["summary"],
               body=stream(plan["body"], key=organisation.name), required_for="id_holders")

    # Each organisation's collection, as site_setup makes it, before the editors' groups
    # are given their permissions on it.
    for organisation in Organisation.objects.all():
        organisation_collection_setup(organisation)

    for username, lg_code in EDITORS.items():
        group = editor_group_for(Organisation.objects.get(lg_code=lg_code))
        get_user_model().objects.get(username=username).groups.add(group)


def _child(parent, page_class, *, slug, **fields):
    page = page_class.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = parent.add_child(instance=page_class(slug=slug, **fields))
        page.save_revision().publish()
    return page
