"""Which of a file's columns is which field of an import.

A column is found by its heading, as the site writes it or by one of its aliases (an
English heading, an older name), ignoring width, case and spacing. Where the headings do
not say, the user chooses (ColumnMappingForm); the choice is remembered per user and kind
of import by the headings it named (core.models.ColumnMapping), so the next file laid out
the same way goes straight to the preview.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import ColumnMapping
from core.text import fold_width


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # as the site writes it, in the files it exports and the preview
    aliases: tuple[str, ...] = ()
    required: bool = True


def heading_key(text) -> str:
    """Headings as typed: full-width or half-width, any case, any spacing."""
    text = fold_width(text)
    return " ".join(text.casefold().replace("_", " ").split())


@dataclass
class ColumnMatch:
    """Where each field is in the file, and what keeps the file from importing."""

    positions: dict[str, int] = field(default_factory=dict)  # field key -> column index
    missing: list[Column] = field(default_factory=list)  # required, found nowhere
    repeated: list[Column] = field(default_factory=list)  # found in two columns
    ignored: list[str] = field(default_factory=list)  # the file's headings no field uses

    @property
    def needs_choice(self) -> bool:
        return bool(self.missing or self.repeated)


def match_columns(headers: list[str], columns, *, chosen: dict[str, int] | None = None,
                  remembered: dict[str, str] | None = None) -> ColumnMatch:
    """`chosen` (field key -> column index, from ColumnMappingForm) is taken as it is;
    otherwise headings and aliases decide, then the user's `remembered` headings fill
    the fields they leave unfound."""
    if chosen is not None:
        positions = {key: index for key, index in chosen.items() if 0 <= index < len(headers)}
        found = {key: [index] for key, index in positions.items()}
    else:
        found = _found_by_heading(headers, columns)
        for key, heading in (remembered or {}).items():
            places = [i for i, text in enumerate(headers) if heading and text == heading]
            taken = {i for indexes in found.values() for i in indexes}
            if key not in found and len(places) == 1 and places[0] not in taken:
                found[key] = places
    used = {index for indexes in found.values() for index in indexes}
    return ColumnMatch(
        positions={key: indexes[0] for key, indexes in found.items()},
        missing=[column for column in columns if column.required and column.key not in found],
        repeated=[column for column in columns if len(found.get(column.key, ())) > 1],
        ignored=[text for i, text in enumerate(headers) if text and i not in used],
    )


def _found_by_heading(headers, columns) -> dict[str, list[int]]:
    keys = {}
    for column in columns:
        for name in (column.heading, *column.aliases):
            keys[heading_key(name)] = column.key
    found = defaultdict(list)
    for index, text in enumerate(headers):
        key = keys.get(heading_key(text))
        if key:
            found[key].append(index)
    return dict(found)


def column_problems(match: ColumnMatch, columns) -> list[str]:
    """What keeps a file from importing, in the user's words."""
    problems = []
    if match.missing:
        problems.append(
            _("Columns missing from the file: %(missing)s. The first line must name the "
              "columns %(columns)s.")
            % {"missing": ", ".join(column.heading for column in match.missing),
               "columns": ", ".join(column.heading for column in columns)}
        )
    if match.repeated:
        problems.append(_("Columns named twice: %(columns)s.")
                        % {"columns": ", ".join(column.heading for column in match.repeated)})
    return problems


def mapping_remembered(user, kind: str) -> dict[str, str]:
    mapping = ColumnMapping.objects.filter(user=user, kind=kind).first()
    return mapping.headings if mapping else {}


def mapping_remember(user, kind: str, headings: dict[str, str]) -> None:
    ColumnMapping.objects.update_or_create(user=user, kind=kind,
                                           defaults={"headings": headings})


NOT_IN_FILE = ""


class ColumnMappingForm(forms.Form):
    """A choice per field among the file's columns, pre-filled from `initial` (field key
    -> column index). Refuses a required field left out and a column chosen twice."""

    def __init__(self, *args, columns, headers: list[str], initial: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns, self.headers = columns, headers
        choices = [(str(index), _column_label(index, text)) for index, text in enumerate(headers)]
        for column in columns:
            self.fields[column.key] = forms.TypedChoiceField(
                label=column.heading if column.required else OPTIONAL % {"field": column.heading},
                required=False, coerce=int, empty_value=None,
                choices=[(NOT_IN_FILE, _not_in_file_label(column)), *choices],
                initial=str(initial[column.key]) if column.key in initial else NOT_IN_FILE,
            )

    def clean(self):
        data = super().clean()
        for column in self.columns:
            if column.required and data.get(column.key) is None and column.key not in self.errors:
                self.add_error(column.key, _("Choose the column that holds %(field)s: nothing "
                                             "is imported without it.")
                               % {"field": column.heading})
        by_index = defaultdict(list)
        for column in self.columns:
            if data.get(column.key) is not None:
                by_index[data[column.key]].append(column)
        for index, chosen in by_index.items():
            if len(chosen) > 1:
                raise forms.ValidationError(
                    _("The column “%(column)s” is chosen for %(fields)s: choose a column for "
                      "each field once.")
                    % {"column": _column_label(index, self.headers[index]),
                       "fields": ", ".join(column.heading for column in chosen)}
                )
        return data

    def positions(self) -> dict[str, int]:
        return {key: index for key, index in self.cleaned_data.items() if index is not None}

    def headings(self) -> dict[str, str]:
        return {key: self.headers[index] for key, index in self.positions().items()}


def _column_label(index: int, text: str) -> str:
    letter = ""
    number = index + 1
    while number:  # the spreadsheet's own column name: A, B, ..., Z, AA
        number, remainder = divmod(number - 1, 26)
        letter = chr(ord("A") + remainder) + letter
    return _("Column %(letter)s: %(heading)s") % {"letter": letter, "heading": text or "—"}


def _not_in_file_label(column: Column) -> str:
    return str(NOT_IN_FILE_REQUIRED if column.required else NOT_IN_FILE_OPTIONAL)


OPTIONAL = gettext_lazy("%(field)s (optional)")
NOT_IN_FILE_REQUIRED = gettext_lazy("— choose a column —")
NOT_IN_FILE_OPTIONAL = gettext_lazy("— not in the file —")
