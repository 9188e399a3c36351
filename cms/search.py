"""Wagtail search backend that also finds Japanese text.

The database backends tokenise on spaces, so a Japanese sentence is one token and
searching 静脈認証 finds nothing. This backend is the database's own backend (SQLite FTS5,
PostgreSQL or MySQL, picked by vendor as usual) with one change: when the query contains
CJK characters it matches each term with `icontains` against the plain-text index
columns that `update_index` fills (`title`/`body` on SQLite and MySQL,
`title_text`/`body_text` on PostgreSQL). Terms are split on any whitespace, including
the full-width space, and all must match (unless operator="or"). A term in the title
scores 10, in the body 1. Other queries go to full-text search unchanged, so English
keeps its ranking (and stemming, on PostgreSQL; SQLite's FTS5 table does not stem).
The CJK path scans the index table: fine for a few thousand pages.

Character widths are folded on both sides (core.text.fold_width, issue 18 point 9): the
query, and the plain text the index stores, so that ﾊﾟｽﾜｰﾄﾞ and 照合ＩＤ find what パスワード
and 照合ID find, and a page written with either width is found by both.

On the CJK path `fields=` only narrows the search to the title when it names nothing
else; the body column mixes all other fields, so they cannot be told apart.
"""

import re
from functools import cache, reduce
from operator import and_, or_

from django.db.models import Case, F, FloatField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Cast
from modelsearch.conf import get_app_config
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks
from wagtail.search.backends.database import SearchBackend as database_backend
from wagtail.search.backends.database.fallback import DatabaseSearchBackend

from core.text import fold_width

# CJK symbols (incl. the full-width space), kana, kanji, full- and half-width forms.
CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef]"
)


class CJKQueryCompilerMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        query = self.query
        if isinstance(query, PlainText):
            self.query = PlainText(fold_width(query.query_string), operator=query.operator,
                                   boost=query.boost)
        elif isinstance(query, Phrase):
            self.query = Phrase(fold_width(query.query_string))

    def search(self, config, start, stop, score_field=None, **kwargs):
        query = self.query
        if isinstance(query, (PlainText, Phrase)) and not query.query_string.strip():
            return self.queryset.none()  # e.g. a full-width space alone, once folded
        if not isinstance(query, (PlainText, Phrase)) or not CJK.search(query.query_string):
            return super().search(config, start, stop, score_field=score_field, **kwargs)
        phrase = isinstance(query, Phrase)
        terms = [query.query_string.strip()] if phrase else query.query_string.split()
        if not any(terms):
            return self.queryset.none()
        combine = or_ if not phrase and query.operator.lower() == "or" else and_

        entry = get_app_config().get_model("IndexEntry")
        plain = hasattr(entry, "title_text")  # PostgreSQL: title/body are tsvectors
        title, body = ("title_text", "body_text") if plain else ("title", "body")
        columns = [title] if self.fields and set(self.fields) <= {"title"} else [title, body]

        def found(column, term):
            return Q(**{f"{column}__icontains": term})

        entries = entry._default_manager.filter(
            content_type_id__in=get_descendants_content_types_pks(self.queryset.model),
            object_id=Cast(OuterRef("pk"), TextField()),
        ).filter(reduce(combine, [reduce(or_, [found(c, t) for c in columns]) for t in terms]))
        weights = {title: 10.0, body: 1.0}
        score = sum(
            (Case(When(found(c, t), then=Value(weights[c])), default=Value(0.0))
             for t in terms for c in columns),
            Value(0.0),
        )
        entries = entries.annotate(score=score).order_by("-score").values("score")[:1]
        name = score_field or "_cjk_score"
        queryset = self.queryset.annotate(**{name: Subquery(entries, output_field=FloatField())})
        queryset = queryset.filter(**{f"{name}__isnull": False})
        if self.order_by_relevance:
            queryset = queryset.order_by(F(name).desc(), "-pk")
        elif not queryset.query.order_by:
            queryset = queryset.order_by("-pk")  # stable pages, as Wagtail does (issue 3729)
        return queryset[start:stop]


class FoldedIndexMixin:
    """Stores the plain text of each entry with its widths folded, after the database's
    own index has written it (on SQLite a trigger copies it to the full-text table)."""

    def add_items(self, model, objs):
        objs = list(objs)
        super().add_items(model, objs)
        entry = get_app_config().get_model("IndexEntry")
        columns = (["title_text", "body_text"] if hasattr(entry, "title_text")
                   else ["title", "body", "autocomplete"])
        entries = entry._default_manager.filter(
            content_type_id=get_content_type_pk(model),
            object_id__in=[str(obj.pk) for obj in objs],
        )
        for pk, *texts in entries.values_list("pk", *columns):
            folded = [fold_width(text) for text in texts]
            if folded != texts:
                entry._default_manager.filter(pk=pk).update(**dict(zip(columns, folded,
                                                                       strict=True)))


@cache
def with_cjk(backend_class):
    """The backend class with CJK matching in both its search and its autocomplete
    (which the Wagtail admin's page search uses), and widths folded in its index."""

    def mixed(compiler):
        return type(f"CJK{compiler.__name__}", (CJKQueryCompilerMixin, compiler), {})

    attrs = {
        "query_compiler_class": mixed(backend_class.query_compiler_class),
        "autocomplete_query_compiler_class": mixed(
            backend_class.autocomplete_query_compiler_class
        ),
        "index_class": type(f"Folded{backend_class.index_class.__name__}",
                            (FoldedIndexMixin, backend_class.index_class), {}),
    }
    return type(f"CJK{backend_class.__name__}", (backend_class,), attrs)


def SearchBackend(params):  # noqa: N802 - the name Wagtail's backend loader looks for
    backend = database_backend(params)
    if isinstance(backend, DatabaseSearchBackend):
        return backend  # the fallback backend already matches substrings in the model fields
    return with_cjk(type(backend))(params)
