"""Quizzes and the question bank in the Wagtail admin (registered by training.wagtail_hooks).

Coordinators edit their own organisation's questions and quizzes, prefecture-wide users
everyone's; on top of Django's model permissions, training.access decides which rows a user
sees. Choices and selection rules are plain foreign keys, not ClusterableModel children,
so they are edited as a fixed number of rows on the question's and the quiz's own form:
existing rows keep their ids, which attempts refer to.

Attempts are read-only here: a list to filter and export (CSV, XLSX) and a detail view.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from audit.admin_exports import AuditedExportMixin
from cms.models import modules_open_to
from training.access import attempts_visible_to, may_manage_training, quiz_organisations_for
from training.analysis import questions_edited
from training.models import Attempt, AttemptQuestion, Choice, Question, Quiz, QuizRule

CHOICE_ROWS = 6
RULE_ROWS = 5


def in_scope(user, queryset):
    """The rows of `queryset` (questions, quizzes or attempts) the user may see here."""
    if queryset.model is Attempt:
        return queryset.filter(pk__in=attempts_visible_to(user).values("pk"))
    return queryset.filter(organisation__in=quiz_organisations_for(user))


class QuizBankPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, for those training.access lets into the training admin,
    and row by row only for the rows in their scope (in_scope)."""

    read_only = False

    def user_has_permission(self, user, action):
        if self.read_only and action != "view":
            return False
        return may_manage_training(user) and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and (
            in_scope(user, self.model.objects.filter(pk=instance.pk)).exists()
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)


class AttemptViewOnlyPermissionPolicy(QuizBankPermissionPolicy):
    read_only = True  # results are written by grading only


register_permission_policy(Question, QuizBankPermissionPolicy(Question))
register_permission_policy(Quiz, QuizBankPermissionPolicy(Quiz))
register_permission_policy(Attempt, AttemptViewOnlyPermissionPolicy(Attempt))


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return in_scope(self.request.user, super().get_base_queryset())


class ScopedObjectMixin:
    """Object views (edit, delete, inspect, history, usage): 404 outside the user's scope."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not in_scope(self.request.user, self.model.objects.filter(pk=instance.pk)).exists():
            raise Http404
        return instance


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    pass


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, UsageView):
    pass


class ScopedViewSet(ModelViewSet):
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False


class OrganisationScopedForm(WagtailAdminModelForm):
    """Offers only the organisations the user manages quizzes for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "organisation" in self.fields:
            self.fields["organisation"].queryset = quiz_organisations_for(self.for_user)


def _rows(make_fields, rows):
    """Form fields for `rows` numbered rows, as a dict to declare on a form class."""
    fields = {}
    for row in range(1, rows + 1):
        fields |= make_fields(row)
    return fields


def _choice_row(row):
    return {
        f"choice_{row}": forms.CharField(
            label=format_lazy("{} {}", _("Choice"), row), max_length=300, required=False
        ),
        f"correct_{row}": forms.BooleanField(label=_("correct"), required=False),
    }


# Wagtail builds the form from the panels' field names, so the row fields must be
# declared on the class rather than added in __init__.
ChoiceRowsForm = type(
    "ChoiceRowsForm", (OrganisationScopedForm,), _rows(_choice_row, CHOICE_ROWS)
)


class QuestionForm(ChoiceRowsForm):
    """The question with its choices as rows; an emptied row removes that choice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            self.fields["module"].queryset = modules_open_to(self.fields["organisation"].queryset)
        self.existing_choices = list(self.instance.choices.all()) if self.instance.pk else []
        for row, choice in enumerate(self.existing_choices, start=1):
            self.initial.setdefault(f"choice_{row}", choice.text)
            self.initial.setdefault(f"correct_{row}", choice.is_correct)

    def choice_rows(self) -> list[tuple[str, bool]]:
        return [
            (self.cleaned_data.get(f"choice_{row}", "").strip(),
             self.cleaned_data.get(f"correct_{row}", False))
            for row in range(1, CHOICE_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        organisation, module = cleaned.get("organisation"), cleaned.get("module")
        if organisation and module and not modules_open_to([organisation]).contains(module):
            self.add_error("module", _("Choose a module of the question's organisation, or one "
                                       "shared with every organisation."))
        if any(is_correct and not text for text, is_correct in self.choice_rows()):
            raise ValidationError(_("A choice marked correct needs its text."))
        rows = [(text, is_correct) for text, is_correct in self.choice_rows() if text]
        correct = sum(is_correct for _text, is_correct in rows)
        kind = cleaned.get("kind")
        if kind == Question.Kind.TRUE_FALSE and len(rows) != 2:
            raise ValidationError(_("A true-or-false question has exactly two choices."))
        if len(rows) < 2:
            raise ValidationError(_("A question needs at least two choices."))
        if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and correct != 1:
            raise ValidationError(_("Mark exactly one choice correct."))
        if kind == Question.Kind.MULTIPLE and correct < 1:
            raise ValidationError(_("Mark at least one choice correct."))
        removed = [
            choice for row, choice in enumerate(self.existing_choices, start=1)
            if not self.choice_rows()[row - 1][0]
        ]
        if removed and AttemptQuestion.objects.filter(question=self.instance).exists():
            raise ValidationError(_(
                "This question has been asked in attempts, so its choices cannot be removed. "
                "Set it not in use and write a new question instead."
            ))
        return cleaned

    def save(self, commit=True):
        question = super().save(commit=commit)
        if commit:
            self.save_choices(question)
        return question

    @transaction.atomic
    def save_choices(self, question):
        # Rows map to the existing choices in their order, so an edited text keeps its id.
        for row, (text, is_correct) in enumerate(self.choice_rows(), start=1):
            existing = self.existing_choices[row - 1] if row <= len(self.existing_choices) else None
            if text and existing:
                existing.text, existing.is_correct, existing.order = text, is_correct, row
                existing.save()
            elif text:
                Choice.objects.create(
                    question=question, text=text, is_correct=is_correct, order=row
                )
            elif existing:
                existing.delete()
        # The question's text and choices show in the analysis of the quizzes that asked it.
        questions_edited()


def _rule_row(row):
    return {
        f"rule_category_{row}": forms.CharField(
            label=format_lazy("{} {}", _("Category"), row), max_length=100, required=False
        ),
        f"rule_count_{row}": forms.IntegerField(
            label=_("number of questions"), min_value=1, max_value=200, required=False
        ),
    }


RuleRowsForm = type("RuleRowsForm", (OrganisationScopedForm,), _rows(_rule_row, RULE_ROWS))


class QuizForm(RuleRowsForm):
    """The quiz with its selection rules as rows; an emptied row removes that rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_rules = list(self.instance.rules.order_by("pk")) if self.instance.pk else []
        for row, rule in enumerate(self.existing_rules, start=1):
            self.initial.setdefault(f"rule_category_{row}", rule.category)
            self.initial.setdefault(f"rule_count_{row}", rule.count)

    def rule_rows(self) -> list[tuple[str, int | None]]:
        return [
            (self.cleaned_data.get(f"rule_category_{row}", "").strip(),
             self.cleaned_data.get(f"rule_count_{row}"))
            for row in range(1, RULE_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        rows = [(category, count) for category, count in self.rule_rows() if category or count]
        if any(not category or not count for category, count in rows):
            raise ValidationError(_("Each selection rule needs a category and a number."))
        if not rows:
            raise ValidationError(_("Add at least one selection rule."))
        organisation = cleaned.get("organisation")
        if organisation is not None:
            bank = dict(
                Question.objects.filter(organisation=organisation, is_active=True)
                .values("category").annotate(n=Count("pk")).values_list("category", "n")
            )
            wanted: dict[str, int] = {}
            for category, count in rows:
                wanted[category] = wanted.get(category, 0) + count
            for category, count in wanted.items():
                if bank.get(category, 0) < count:
                    self.add_error(None, _(
                        "The bank has %(available)d questions in use in the category "
                        "“%(category)s”; the rules draw %(count)d."
                    ) % {"available": bank.get(category, 0), "category": category,
                         "count": count})
        return cleaned

    def save(self, commit=True):
        quiz = super().save(commit=commit)
        if commit:
            self.save_rules(quiz)
        return quiz

    @transaction.atomic
    def save_rules(self, quiz):
        for row, (category, count) in enumerate(self.rule_rows(), start=1):
            existing = self.existing_rules[row - 1] if row <= len(self.existing_rules) else None
            if category and existing:
                existing.category, existing.count = category, count
                existing.save()
            elif category:
                QuizRule.objects.create(quiz=quiz, category=category, count=count)
            elif existing:
                existing.delete()


class QuestionViewSet(ScopedViewSet):
    model = Question
    icon = "help"
    menu_label = _("Question bank")
    list_display = ["text", "category", "kind", "organisation", "is_active"]
    list_filter = ["organisation", "category", "kind", "is_active"]
    search_fields = ["text", "category"]
    list_export = ["organisation.lg_code", "category", "kind", "text", "is_active"]
    export_filename = "questions"
    edit_handler = ObjectList([
        FieldPanel("organisation"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("kind"), FieldPanel("is_active")]),
        FieldPanel("text"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel(f"choice_{row}"), FieldPanel(f"correct_{row}")])
             for row in range(1, CHOICE_ROWS + 1)],
            heading=_("Choices"),
            help_text=_("Fill in two or more rows and tick the correct ones. Empty a row to "
                        "remove that choice. The order is shuffled for each attempt."),
        ),
        FieldPanel("explanation"),
        # A list of the modules open to the question, not the page chooser, which would
        # browse every organisation's pages.
        FieldRowPanel([FieldPanel("module", widget=forms.Select), FieldPanel("section_id")]),
    ], base_form_class=QuestionForm)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Question.objects.select_related("organisation"), **kwargs
        )


class QuizViewSet(ScopedViewSet):
    model = Quiz
    icon = "tasks"
    list_display = ["title", "organisation", "time_limit_minutes", "pass_mark_percent",
                    "max_attempts"]
    list_filter = ["organisation"]
    search_fields = ["title"]
    edit_handler = ObjectList([
        FieldPanel("organisation"),
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("grace_seconds")]),
        FieldRowPanel([FieldPanel("pass_mark_percent"), FieldPanel("max_attempts"),
                       FieldPanel("cooldown_minutes")]),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel(f"rule_category_{row}"), FieldPanel(f"rule_count_{row}")])
             for row in range(1, RULE_ROWS + 1)],
            heading=_("Selection rules"),
            help_text=_("Each attempt draws this many questions at random from each category "
                        "of the organisation's question bank."),
        ),
    ], base_form_class=QuizForm)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Quiz.objects.select_related("organisation"), **kwargs
        )


class AttemptFilterSet(WagtailFilterSet):
    """Only the quizzes the user manages appear in the filter."""

    quiz = django_filters.ModelChoiceFilter(
        label=_("quiz"),
        queryset=lambda request: Quiz.objects.filter(
            organisation__in=quiz_organisations_for(request.user)
        ),
    )

    class Meta:
        model = Attempt
        fields = ["quiz", "passed"]


class AttemptIndexView(AuditedExportMixin, ScopedIndexView):
    pass


class AttemptViewSet(ScopedViewSet):
    model = Attempt
    icon = "doc-full"
    index_view_class = AttemptIndexView
    menu_label = _("Quiz results")
    list_display = ["person", "quiz", "session", "number", "submitted_at",
                    Column("score", label=_("Score"), accessor="score"), "passed"]
    filterset_class = AttemptFilterSet
    search_fields = ["person__name", "person__kana", "person__employee_number"]
    list_export = [
        "quiz.title", "session.title", "person.organisation.lg_code", "person.employee_number",
        "person.name", "person.department.code", "person.department.name", "number",
        "started_at", "deadline", "submitted_at", "score", "passed",
    ]
    export_headings = {
        "score": _("Score"),
        "quiz.title": _("quiz"),
        "session.title": _("session"),
        "person.organisation.lg_code": _("local-government code"),
        "person.employee_number": _("employee number"),
        "person.name": _("name"),
        "person.department.code": _("department code"),
        "person.department.name": _("department"),
    }
    export_filename = "quiz-results"
    inspect_view_enabled = True
    inspect_view_fields = [
        "quiz", "session", "person", "number", "started_at", "deadline", "submitted_at",
        "score_percent", "passed",
    ]
    form_fields = []  # never edited: grading writes attempts

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Attempt.objects.filter(submitted_at__isnull=False).select_related(
                "quiz", "session", "person__organisation", "person__department"
            ),
            **kwargs,
        )


class QuizViewSetGroup(ModelViewSetGroup):
    menu_label = _("Quizzes")
    menu_icon = "help"
    menu_order = 270
    items = (QuestionViewSet, QuizViewSet, AttemptViewSet)


@hooks.register("register_admin_viewset")
def register_quiz_viewsets():
    return QuizViewSetGroup()
