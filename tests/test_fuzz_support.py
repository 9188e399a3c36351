"""What the fuzzing pass (tests/test_fuzz_*.py) feeds every form and import, and how it
judges the answer.

Every submission must end in a clear error with nothing written, or in a correct save;
never in a server error (the test client raises it) and never in part of a save. Each
example runs in a savepoint that is rolled back, so the examples of one test do not see
each other's rows. This module holds no tests.
"""

import contextlib
import io
import shutil
import subprocess
import tempfile

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import constants
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Without shrinking: a failure reports the example that failed as generated, which keeps a
# failing run short; the examples are mostly the fixed payloads, readable as they are.
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

ON_SQLITE = "sqlite" in django_settings.DATABASES["default"]["ENGINE"]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Fixed payloads: markup that HTML or reportlab's paragraph parser would act on, NUL and
# other control characters (PostgreSQL refuses NUL in text), overlong strings, characters
# outside the BMP, bidi overrides, format strings.
PAYLOADS = [
    SCRIPT,
    IMG,
    "<b>太字</b> & <i>斜体</i> <br/> &amp; &lt; &#x41; &unknown;",
    "</para><font name=x>", "<para>", "<![CDATA[x]]>", "<a href='javascript:alert(1)'>x</a>",
    "\x00", "a\x00b", "\x00" * 50, "\x01\x02\x1b[31m\x7f", "\r\n\t\x0b\x0c", "\u2028\u2029",
    "\u202eevil\u202c", "\ufeffBOM", "𠮷野家 🍣", "ｶﾀｶﾅ　全角　スペース",
    "%s %(name)s {0} {{x}} %d", "' OR 1=1 --", "=cmd|' /C calc'!A0",
    "長" * 10_000, "x" * 101, "x" * 201, "x" * 2001, " ", "",
]


def text_strategy():
    """Any text the client can send: the fixed payloads, generated text with control
    characters, and long runs. Lone surrogates cannot be encoded in a form post at all;
    they are fed as raw bytes in files instead. A request with NUL anywhere is refused
    whole (see refused_for_nul)."""
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(st.characters(codec="utf-8", categories=["Cc", "L", "N", "P", "S", "Z", "M"]),
                max_size=60),
        st.builds(lambda s, n: s * n, st.sampled_from(["<script>", "あ", "\x00", "&"]),
                  st.integers(1, 6000)),
    )


# Digits that str.isdigit() accepts and int() refuses, and more digits than int() reads
# (4300): they crash several views today, so the generated numbers leave them out and
# tests named ..._superscript_digit pin each of those views down.
KNOWN_BAD_NUMBERS = ("²", "١٢", "9" * 5000)

NUMBERS = [
    "-1", "0", "1", "5", "6", "121", "100000000000000000000", "9" * 5000, "1e400", "NaN", "inf",
    "-0", "1.5", "0x10", " 5 ", "", "²", "١٢", "１２", "12abc", "\x00", "None", "[]",
]


def number_strategy(*, known_bad=True):
    numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(-10**30, 10**30).map(str))
    if known_bad:
        return numbers
    return numbers.filter(lambda value: not any(bad in value for bad in KNOWN_BAD_NUMBERS))


DATES = [
    "0001-01-01", "9999-12-31", "2026-02-30", "0000-00-00", "10000-01-01", "-2026-01-01",
    "2026-13-01", "令和8年11月26日", "tomorrow", "2026/11/26", "2026-11-26T25:00", "1e10",
    "\x00", "", "2026-11-26", "1900-01-01", "2099-12-31",
]


def date_strategy():
    return st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat()))


DATETIMES = [
    "0001-01-01T00:00", "0001-01-01 00:00", "9999-12-31T23:59", "9999-12-31 23:59",
    "2026-02-30T10:00", "2026-11-26T24:00", "2026-11-26", "x", "\x00", "",
    "2026-11-27T10:00", "2027-01-01T09:00",
]


def datetime_strategy():
    return st.one_of(
        st.sampled_from(DATETIMES),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    )


# Files


def csv_bytes(rows, encoding="utf-8", errors="strict"):
    return "".join(",".join(_csv_cell(c) for c in row) + "\r\n" for row in rows).encode(
        encoding, errors)


def _csv_cell(value):
    value = str(value)
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def junk_zip():
    """A zip that is not a workbook."""
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("junk.txt", b"\x00\xff" * 100)
        archive.writestr("[Content_Types].xml", b"<not xml")
    return stream.getvalue()


def broken_workbook():
    """A real workbook cut in half."""
    content = xlsx_bytes([["a", "b"], ["c", "d"]])
    return content[: len(content) // 2]


# Bytes that are not text in any encoding the imports read, or are text in the wrong one.
RAW_FILES = [
    b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"\x00" * 1000, b"\xff\xfe\x00\x00garbage",
    b"\xed\xa0\x80 lone surrogate in UTF-8", b"\x80\x81\x82\xfc\xfd\xfe\xff",
    "a,b,c\r\n".encode("utf-16"), "職員番号,出欠\r\n".encode("utf-32"),
    b"PK\x03\x04 truncated zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", b'"unterminated',
    b"a" * 200_000 + b"\n", b"," * 100_000 + b"\n", (b"x," * 20 + b"\r\n") * 5000,
]


def raw_file_strategy():
    return st.one_of(
        st.sampled_from(RAW_FILES),
        st.binary(max_size=2000),
        st.just("junk-zip").map(lambda _: junk_zip()),
        st.just("broken-xlsx").map(lambda _: broken_workbook()),
    )


# Judging


@contextlib.contextmanager
def rolled_back():
    """Run one example in a savepoint and undo it, whatever happens."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


APPS = ("people", "training", "drills", "cms")


def row_counts():
    """How many rows each of the project's models holds."""
    return {
        model._meta.label: model._default_manager.count()
        for label in APPS for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy
    }


def error_messages(response):
    """The error messages the view queued for the next page."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", []) if storage is not None else []
    return [str(m) for m in queued if m.level >= constants.ERROR]


def success_messages(response):
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", []) if storage is not None else []
    return [str(m) for m in queued if m.level == constants.SUCCESS]


def refused(response):
    """Whether the response is a clear refusal: a 4xx page, or a redirect that carries an
    error message."""
    assert response.status_code < 500, response.status_code
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 302:
        return bool(error_messages(response))
    return response.status_code == 200 and b"errorlist" in response.content


def refused_for_nul(response):
    """Whether the request held a NUL character, and so was refused whole with a 400 page
    before any view ran (core.middleware.RefuseNulMiddleware)."""
    request = response.wsgi_request
    held_nul = any("\x00" in key or any("\x00" in value for value in values)
                   for data in (request.GET, request.POST) for key, values in data.lists())
    if held_nul:
        assert response.status_code == 400, response.status_code
        assert "保存できない文字" in body(response)
    return held_nul


def body(response):
    return response.content.decode("utf-8", "replace")


def assert_escaped(html, value, *, shown=False):
    """Markup in `value` shows as text: no raw <script> or <img onerror>; and, if the page
    is `shown` the value, the script is there in escaped form."""
    for raw in ("<script>alert(1)</script>", "<img src=x onerror"):
        if raw in value:
            assert raw not in html, f"{raw!r} is not escaped"
    if shown and value == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def pdf_text(content: bytes) -> str:
    """The text of a PDF, as poppler's pdftotext reads it."""
    assert content.startswith(b"%PDF"), content[:20]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], check=True, capture_output=True,
        ).stdout.decode()


def squash(text: str) -> str:
    """Text without whitespace, for comparing against a PDF's wrapped lines."""
    return "".join(text.split())
