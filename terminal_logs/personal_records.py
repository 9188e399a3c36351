"""The terminal logs' pages that show personal records, for the audit trail (see
audit.personal_records): the list of look-ups names the operators."""

from audit.personal_records import listing, register_pages
from terminal_logs.models import TerminalLookup


def personal_records_register() -> None:
    register_pages({
        "terminal_logs:lookups": listing(TerminalLookup),
    })
