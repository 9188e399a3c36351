"""Choosers for a person and a department in the admin's people forms (ID grants, roles,
people).

A prefecture has 50,000 people and 2,000 departments: a <select> of them all cost the ID
grant and role forms two seconds a page, however fast it was written. A chooser renders
only the value chosen, and the person is found in a modal by name, kana or employee
number, 25 at a time (Wagtail's ChooserViewSet). Each person and department is named with
its organisation, as names repeat from one organisation to the next.

The modal lists people of every organisation, as the people lists do: prefecture-wide
users only (Scope.may_administer_people), 404 for anyone else. Its lists and the chosen
person are reads of personal records for the audit trail (directory.personal_records).
"""

from django import forms
from django.db.models import Q
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from core.params import as_id
from people.access import scope_for
from people.models import Department, Person


def person_label(person: Person) -> str:
    return f"{person.name}（{person.organisation.name} {person.department.name}）"


def department_label(department: Department) -> str:
    return department.full_name


class PrefectureWideOnly:
    """The choosers list every organisation's people and departments."""

    def dispatch(self, request, *args, **kwargs):
        if not scope_for(request.user).may_administer_people():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SearchForm(BaseFilterForm):
    """A search by substring in the fields named: Wagtail's search backends find nothing
    in Japanese text (STACK-NOTES), and these are short names and codes."""

    q = forms.CharField(label=_("Search term"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Search")}))
    fields_searched: tuple[str, ...] = ()

    def filter(self, objects):
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            condition = Q()
            for field in self.fields_searched:
                condition |= Q(**{f"{field}__icontains": query})
            objects = objects.filter(condition)
            self.is_searching = True
            self.search_query = query
        return objects


class PersonSearchForm(SearchForm):
    fields_searched = ("name", "kana", "employee_number")


class DepartmentSearchForm(SearchForm):
    fields_searched = ("name", "code", "organisation__name")


def chooser_views_for(model, *, labelled, search_form, select_related, columns):
    """The three views a chooser needs (the modal, its results, the chosen item), kept to
    prefecture-wide users, with the item named by `labelled`."""

    class Listing:
        filter_form_class = search_form

        def get_object_list(self):
            return model.objects.select_related(*select_related)

        @property
        def title_column(self):
            column = super().title_column
            column.accessor = labelled
            return column

        @property
        def columns(self):
            return [*super().columns, *columns]

    class ChooseView(PrefectureWideOnly, Listing, chooser_views.ChooseView):
        pass

    class ChooseResultsView(PrefectureWideOnly, Listing, chooser_views.ChooseResultsView):
        pass

    class ChosenView(PrefectureWideOnly, chooser_views.ChosenView):
        def get_object(self, pk):
            if as_id(pk) is None:
                raise model.DoesNotExist
            return model.objects.select_related(*select_related).get(pk=pk)

        def get_display_title(self, instance):
            return labelled(instance)

    return ChooseView, ChooseResultsView, ChosenView


class StaffChooser(BaseChooser):
    """Shows the item chosen with its organisation, read in one query."""

    select_related: tuple[str, ...] = ()

    def label_of(self, instance) -> str:
        return str(instance)

    def get_instance(self, value):
        if value is None or isinstance(value, self.model_class):
            return value
        if as_id(str(value)) is None:
            return None
        return self.model_class.objects.select_related(*self.select_related).filter(
            pk=value).first()

    def get_display_title(self, instance):
        return self.label_of(instance)


class PersonChooser(StaffChooser):
    select_related = ("organisation", "department")

    def label_of(self, instance) -> str:
        return person_label(instance)


class DepartmentChooser(StaffChooser):
    select_related = ("organisation",)

    def label_of(self, instance) -> str:
        return department_label(instance)


class StaffChooserViewSet(ChooserViewSet):
    """Choose, its results and the chosen item only: nobody creates a person or a
    department from inside another form, nor chooses several."""

    per_page = 25
    register_widget = False  # used where named (directory.wagtail_hooks.StaffChoicesForm)

    def get_urlpatterns(self):
        return [
            path("", self.choose_view, name="choose"),
            path("results/", self.choose_results_view, name="choose_results"),
            path("chosen/<str:pk>/", self.chosen_view, name="chosen"),
        ]


class PersonChooserViewSet(StaffChooserViewSet):
    model = Person
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    edit_item_text = _("Edit this person")
    base_widget_class = PersonChooser
    choose_view_class, choose_results_view_class, chosen_view_class = chooser_views_for(
        Person, labelled=person_label, search_form=PersonSearchForm,
        select_related=PersonChooser.select_related,
        columns=[Column("kana", label=_("name in kana")),
                 Column("employee_number", label=_("employee number"))],
    )


class DepartmentChooserViewSet(StaffChooserViewSet):
    model = Department
    icon = "group"
    choose_one_text = _("Choose a department")
    choose_another_text = _("Choose another department")
    edit_item_text = _("Edit this department")
    base_widget_class = DepartmentChooser
    choose_view_class, choose_results_view_class, chosen_view_class = chooser_views_for(
        Department, labelled=department_label, search_form=DepartmentSearchForm,
        select_related=DepartmentChooser.select_related,
        columns=[Column("code", label=_("department code"))],
    )


person_chooser_viewset = PersonChooserViewSet("person_chooser")
department_chooser_viewset = DepartmentChooserViewSet("department_chooser")
