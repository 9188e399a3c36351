"""The terminal logs' pages that show personal records, for the audit trail (see
audit.personal_records): the list of look-ups names the operators, and so do the review's
sampled look-ups and findings; opening one is a read of that operator's records."""

from audit.personal_records import listing, record, register_pages
from terminal_logs.models import Finding, ReviewItem, TerminalLookup


def personal_records_register() -> None:
    register_pages({
        "terminal_logs:lookups": listing(TerminalLookup),
        "terminal_logs:review_items": listing(ReviewItem),
        "terminal_logs:review_item": record(ReviewItem, subject="lookup__person"),
        "terminal_logs:findings": listing(Finding),
        "terminal_logs:finding": record(Finding, subject="operator"),
    })
