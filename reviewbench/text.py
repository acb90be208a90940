"""Making attacker-controlled text safe to show: visible invisibles, escaped markdown, one line,
spreadsheet cells that never run as formulas, a form's errors in one line."""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Zero-width, bidirectional-override and soft-hyphen characters: they change how code reads
# without showing up (Trojan Source, CVE-2021-42574), so reviewers must see them.
INVISIBLE_CHARS = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff", "\u00ad"]
)
_INVISIBLE_RE = re.compile("[" + "".join(sorted(INVISIBLE_CHARS)) + "]")
# Every ASCII punctuation character CommonMark lets us backslash-escape that can start markup,
# plus `|` (table cells) and `@` (mentions).
_MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~@:&=\"'$%])")


def codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def invisible_visible(text: str) -> str:
    """Plain text with each invisible or bidi character replaced by `[U+XXXX]`."""
    return _INVISIBLE_RE.sub(lambda m: f"[{codepoint(m.group(0))}]", text)


def invisible_html(text: object) -> SafeString:
    """HTML-escape first, then wrap each invisible or bidi character in a visible marker."""
    escaped = str(conditional_escape(text if isinstance(text, str) else str(text)))

    def marker(match: re.Match[str]) -> str:
        point = codepoint(match.group(0))
        return f'<span class="invisible-char" title="{point}">[{point}]</span>'

    return mark_safe(_INVISIBLE_RE.sub(marker, escaped))  # noqa: S308 - escaped above  # nosec B308 B703


def one_line(text: str, limit: int) -> str:
    """Collapse whitespace (newlines would break a title or a table row) and bound the length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_escape(text: str) -> str:
    """Text safe inside GitHub markdown (incl. table cells): no markup, links, HTML or mentions."""
    return _MARKDOWN_SPECIAL_RE.sub(r"\\\1", invisible_visible(text))


CSV_CELL_LIMIT = 500
# Spreadsheets evaluate a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str):
        text = one_line(value, CSV_CELL_LIMIT)
        return "'" + text if text.startswith(FORMULA_PREFIXES) else text
    return value


def code_block(text: str, language: str = "") -> list[str]:
    """Markdown lines showing `text` exactly as is: the fence is longer than any backtick run
    inside, so untrusted text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def form_errors(form: Any) -> str:
    """A Django form's errors in one line, for a flash message."""
    return "; ".join(
        f"{'' if field == '__all__' else field + ': '}{' '.join(str(error) for error in errors)}"
        for field, errors in form.errors.items()
    )
