"""The one record core keeps: which of a file's columns a user said was which field."""

from django.conf import settings
from django.db import models


class ColumnMapping(models.Model):
    """A user's last choice of columns for one kind of import, by the headings of the
    file they chose it for, so that the next file laid out the same way needs no choice.
    Written only by core.imports.columns.mapping_remember."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=50)  # ImportKind.name
    headings = models.JSONField(default=dict)  # field key -> the file's heading
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_column_mapping_per_kind"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.headings}"
