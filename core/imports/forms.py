"""The upload form every spreadsheet import in the admin starts from: a CSV or XLSX file
of bounded size, and the encoding of a CSV file (Excel writes Shift_JIS or UTF-8)."""

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.imports.files import Encoding


class SpreadsheetUploadForm(forms.Form):
    max_kilobytes = 20 * 1024

    file = forms.FileField(
        label=gettext_lazy("File"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        help_text=gettext_lazy(
            "CSV or Excel workbook (.xlsx). The first line names the columns; a workbook is "
            "read from its first sheet."
        ),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Character encoding of a CSV file"),
        choices=Encoding.choices,
        initial=Encoding.AUTO,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Excel saves “CSV (Comma delimited)” in Shift_JIS and “CSV UTF-8” in UTF-8."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size <= self.max_kilobytes * 1024:
            return upload
        if self.max_kilobytes % 1024:
            raise forms.ValidationError(_("The file is larger than %(kilobytes)d KB.")
                                        % {"kilobytes": self.max_kilobytes})
        raise forms.ValidationError(_("The file is larger than %(megabytes)d MB.")
                                    % {"megabytes": self.max_kilobytes // 1024})
