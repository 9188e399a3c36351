"""An obligation's stage, derived and never stored: `Stage.of` in Python and the
conditions of `sharings_with_counts` in SQL, from the same facts (dropped, confirmed,
briefed, due date)."""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from people.models import Person
from training.models import (
    Attendance,
    Briefing,
    BriefingConfirmation,
    BriefingObligation,
    DepartmentConfirmation,
)


class Stage(TextChoices):
    """An obligation's stage, from its records; the later stages win."""

    TO_BRIEF = "to_brief", gettext_lazy("To be briefed")
    BRIEFED = "briefed", gettext_lazy("Briefed, awaiting the colleague's confirmation")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    CONFIRMED = "confirmed", gettext_lazy("Confirmed")
    DROPPED = "dropped", gettext_lazy("Dropped out")

    @classmethod
    def of(cls, obligation: BriefingObligation, *, today: datetime.date) -> "Stage":
        """`obligation` must come from `obligations_with_facts`."""
        if obligation.dropped_at is not None:
            return cls.DROPPED
        if obligation.is_confirmed:
            return cls.CONFIRMED
        if obligation.due_on < today:
            return cls.OVERDUE
        if obligation.is_briefed:
            return cls.BRIEFED
        return cls.TO_BRIEF


def obligations_with_facts(queryset=None) -> QuerySet:
    """Obligations annotated with what Stage.of needs: `is_briefed` and `is_confirmed`."""
    queryset = BriefingObligation.objects.all() if queryset is None else queryset
    return queryset.annotate(
        is_briefed=Exists(Briefing.obligations.through.objects.filter(
            briefingobligation=OuterRef("pk")
        )),
        is_confirmed=Exists(BriefingConfirmation.objects.filter(obligation=OuterRef("pk"))),
    )


def _stage_filters(today: datetime.date) -> dict[str, Q]:
    """The funnel, as SQL conditions on obligations: everyone still to be briefed, of
    whom some were briefed, of whom some confirmed; and those past due unconfirmed."""
    live = Q(dropped_at__isnull=True)
    briefed = Exists(Briefing.obligations.through.objects.filter(
        briefingobligation=OuterRef("pk")
    ))
    confirmed = Exists(BriefingConfirmation.objects.filter(obligation=OuterRef("pk")))
    return {
        "to_brief": live,
        "briefed": live & Q(briefed),
        "confirmed": live & Q(confirmed),
        "overdue": live & ~Q(confirmed) & Q(due_on__lt=today),
        "dropped": ~live,
    }


def _count(queryset, condition: Q):
    """A correlated subquery counting `queryset` rows of the outer sharing under `condition`."""
    return Coalesce(Subquery(
        queryset.filter(condition).order_by().values("sharing")
        .annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    ), 0)


def sharings_with_counts(queryset: QuerySet, *, today: datetime.date) -> QuerySet:
    """Department sharings annotated with their counts at each stage, the latest
    supervisor confirmation, whether the report is in, and `is_overdue`; overdue first.
    One SQL query however many departments there are."""
    obligations = BriefingObligation.objects.filter(sharing=OuterRef("pk"))
    # Driven from the department's people, not the session's attendance: without planner
    # statistics (SQLite until ANALYZE), the other way round scans the whole session
    # for each department.
    attended = Attendance.objects.filter(
        session=OuterRef("session"), status__in=Attendance.ATTENDED,
        person__in=Person.objects.filter(department=OuterRef(OuterRef("department"))).values("pk"),
    ).order_by().values("session").annotate(n=Count("pk")).values("n")
    counts = {
        name: _count(obligations, condition) for name, condition in _stage_filters(today).items()
    }
    return (
        queryset.select_related("session__organisation", "department", "report")
        .annotate(
            attended=Coalesce(Subquery(attended, output_field=IntegerField()), 0),
            **counts,
            confirmed_at=Subquery(
                DepartmentConfirmation.objects.filter(sharing=OuterRef("pk"))
                .order_by("-confirmed_at").values("confirmed_at")[:1]
            ),
        )
        .annotate(
            is_overdue=Case(
                When(Q(overdue__gt=0) | Q(report__isnull=True, due_on__lt=today), then=Value(True)),
                default=Value(False), output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "due_on", "session__organisation__lg_code", "department__code",
                  "session__starts_at")
    )
