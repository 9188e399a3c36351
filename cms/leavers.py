"""What anonymising a leaver must know of cms (see people.lifecycle): the emergency plans
whose contact tree names the person. Plans are edited content with a revision history,
so they are listed for their editors to change, not rewritten."""

from cms.models import EmergencyPlanPage
from people.lifecycle import name_forms, register_content_naming
from people.models import Person


def leavers_register() -> None:
    register_content_naming(plans_naming)


def plans_naming(person: Person) -> list[EmergencyPlanPage]:
    names = name_forms(person.name)
    if not names:
        return []
    found = []
    for plan in EmergencyPlanPage.objects.filter(organisation=person.organisation_id):
        for block in plan.body:
            if block.block_type != "contact_tree":
                continue
            contacts = block.value.get("contacts") or []
            texts = [f"{contact.get('name', '')} {contact.get('backup', '')}"
                     for contact in contacts]
            if any(name in text for name in names for text in texts):
                found.append(plan)
                break
    return found
