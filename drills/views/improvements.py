"""Improvement plan pages: a drill's plan for its controllers, one item for the people
responsible for it, and the items a supervisor or point of contact answers for.

Every view asks drills.access for the drill or item and what the visitor may do there;
drills.improvements decides whether the change is valid.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from wagtail.models import Page

from core.forms import PageChoiceField
from core.params import as_id
from drills import improvements
from drills.access import (
    controlled_drills_for,
    get_controlled_drill_for,
    get_improvement_for,
    my_improvement_items_for,
    records_who_acts,
)
from drills.models import DrillObjective, ImprovementItem
from people.access import scope_for
from people.models import Department, Person

Status = ImprovementItem.Status
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        return f"{person.name} ({person.department.name})"


class ImprovementItemForm(forms.Form):
    """What an item says. Only the shape of the input is checked here: whether it makes
    a valid item is drills.improvements' to say."""

    issue = forms.CharField(label=gettext_lazy("Issue"),
                            widget=forms.Textarea(attrs={"rows": 3}))
    corrective_action = forms.CharField(label=gettext_lazy("Corrective action"),
                                        widget=forms.Textarea(attrs={"rows": 3}))
    element = forms.ChoiceField(label=gettext_lazy("Element"),
                                choices=ImprovementItem.Element.choices)
    objective = forms.ModelChoiceField(label=gettext_lazy("Objective"), required=False,
                                       queryset=DrillObjective.objects.none())
    department = forms.ModelChoiceField(label=gettext_lazy("Responsible department"),
                                        queryset=Department.objects.none())
    point_of_contact = PersonChoiceField(label=gettext_lazy("Point of contact"), required=False,
                                         queryset=Person.objects.none())
    start_on = forms.DateField(label=gettext_lazy("Start date"), widget=DATE_INPUT)
    due_on = forms.DateField(label=gettext_lazy("Due date"), widget=DATE_INPUT)
    page = PageChoiceField(
        label=gettext_lazy("Plan or training module it changes"), required=False,
        queryset=Page.objects.none(),
        help_text=gettext_lazy("The item shows when a revision of the page is published "
                               "with re-acknowledgement required."),
    )

    def __init__(self, *args, drill, **kwargs):
        super().__init__(*args, **kwargs)
        organisation_id = drill.organisation_id
        self.fields["objective"].queryset = drill.objectives.all()
        self.fields["department"].queryset = Department.objects.filter(
            organisation=organisation_id)
        self.fields["point_of_contact"].queryset = Person.objects.filter(
            organisation=organisation_id).select_related("department")
        self.fields["page"].queryset = improvements.changeable_pages(organisation_id).order_by(
            "path")

    @staticmethod
    def initial_of(item: ImprovementItem) -> dict:
        return {
            "issue": item.issue, "corrective_action": item.corrective_action,
            "element": item.element, "objective": item.objective_id,
            "department": item.department_id, "point_of_contact": item.point_of_contact_id,
            "start_on": item.start_on, "due_on": item.due_on, "page": item.page_id,
        }


@login_required
@require_http_methods(["GET", "POST"])
@records_who_acts
def improvement_plan(request, pk):
    """A drill's improvement plan, for its controllers: the items, and adding one."""
    drill = get_controlled_drill_for(request.user, pk)
    form = ImprovementItemForm(request.POST or None, drill=drill,
                               initial={"start_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            improvements.item_create(drill=drill, by=scope_for(request.user).person,
                                     now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Improvement item added."))
            return redirect("drills:improvements", pk=drill.pk)
    items = list(improvements.items_of_drill(drill))
    notices = improvements.revision_notices(items)
    return render(request, "drills/improvements/plan.html", {
        "drill": drill, "rows": [(item, notices.get(item.pk)) for item in items], "form": form,
    }, status=400 if form.is_bound else 200)


@login_required
@require_safe
def improvement(request, pk):
    return _item_page(request, get_improvement_for(request.user, pk))


def _item_page(request, access, *, edit_form=None, status=200):
    item = access.item
    may_verify = access.may_edit and item.status != Status.VERIFIED
    if access.may_edit and edit_form is None and item.status != Status.VERIFIED:
        edit_form = ImprovementItemForm(drill=item.drill,
                                        initial=ImprovementItemForm.initial_of(item))
    return render(request, "drills/improvements/item.html", {
        "item": item,
        "access": access,
        "notice": improvements.revision_notice(item),
        "statuses": [(value, label) for value, label in Status.choices
                     if value in improvements.NOT_VERIFIED],
        "retesting": DrillObjective.objects.filter(retests=item)
        .select_related("drill", "rating").order_by("drill__scheduled_for"),
        "candidates": list(improvements.retest_drills(item)) if may_verify else [],
        "may_verify": may_verify,
        "edit_form": edit_form,
    }, status=status)


@login_required
@require_POST
@records_who_acts
def improvement_status(request, pk):
    access = get_improvement_for(request.user, pk)
    try:
        improvements.item_update(item=access.item, by=scope_for(request.user).person,
                                 now=timezone.now(), status=request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Status updated."))
    return redirect("drills:improvement", pk=pk)


@login_required
@require_POST
@records_who_acts
def improvement_edit(request, pk):
    access = get_improvement_for(request.user, pk)
    if not access.may_edit:
        raise Http404
    form = ImprovementItemForm(request.POST, drill=access.item.drill)
    if form.is_valid():
        try:
            improvements.item_update(item=access.item, by=scope_for(request.user).person,
                                     now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Improvement item saved."))
            return redirect("drills:improvement", pk=pk)
    return _item_page(request, access, edit_form=form, status=400)


@login_required
@require_POST
@records_who_acts
def improvement_verify(request, pk):
    access = get_improvement_for(request.user, pk)
    if not access.may_edit:
        raise Http404
    raw = request.POST.get("later_drill", "")
    later_drill = (controlled_drills_for(request.user).filter(pk=as_id(raw)).first()
                   if as_id(raw) is not None else None)
    if later_drill is None:
        messages.error(request, _("Choose the later drill that re-tested this item."))
        return redirect("drills:improvement", pk=pk)
    try:
        improvements.item_verify(item=access.item, later_drill=later_drill,
                                 by=scope_for(request.user).person, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Verified by “%(drill)s”.") % {"drill": later_drill.title})
    return redirect("drills:improvement", pk=pk)


@login_required
@require_safe
def my_improvements(request):
    """The items of the departments the user supervises, and those naming them as point
    of contact: to do first, then the ones verified."""
    items = list(
        my_improvement_items_for(request.user)
        .select_related("drill", "department", "point_of_contact", "page", "verified_in")
        .order_by("due_on", "pk")
    )
    notices = improvements.revision_notices(items)
    rows = [(item, notices.get(item.pk)) for item in items]
    return render(request, "drills/improvements/mine.html", {
        "to_do": [row for row in rows if row[0].status != Status.VERIFIED],
        "verified": [row for row in rows if row[0].status == Status.VERIFIED],
        "today": timezone.localdate(),
    })


urlpatterns = [
    path("<int:pk>/improvements/", improvement_plan, name="improvements"),
    path("improvements/mine/", my_improvements, name="my_improvements"),
    path("improvements/<int:pk>/", improvement, name="improvement"),
    path("improvements/<int:pk>/status/", improvement_status, name="improvement_status"),
    path("improvements/<int:pk>/edit/", improvement_edit, name="improvement_edit"),
    path("improvements/<int:pk>/verify/", improvement_verify, name="improvement_verify"),
]
