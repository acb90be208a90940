"""Template filters for attacker-controlled text: escape, then make invisible characters visible."""

from __future__ import annotations

import json

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from reviewbench.calibration.library import flaw_classes
from reviewbench.text import invisible_html

register = template.Library()

EVIDENCE_LIMIT = 500


@register.filter(name="visible", is_safe=False)
def visible(value: object) -> SafeString:
    """Escaped text with zero-width and bidi characters shown as `[U+XXXX]` markers."""
    return invisible_html("" if value is None else value)


@register.filter(name="evidence")
def evidence(value: object) -> SafeString:
    """One AI-provenance evidence entry (a string or a small mapping) as escaped, visible text."""
    if isinstance(value, dict) and "detail" in value:
        text = _evidence_sentence(value)
    elif isinstance(value, dict):
        text = ", ".join(f"{key}: {item}" for key, item in value.items())
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str)
    if len(text) > EVIDENCE_LIMIT:
        text = text[: EVIDENCE_LIMIT - 1] + "…"
    return invisible_html(text)


_EVIDENCE_PREFIX = {"trailer": "trailer ", "body": "PR description: ", "marker": "marker "}


def _evidence_sentence(entry: dict) -> str:
    """An evidence mapping as a sentence: lines, commit, what was found, tool and notes."""
    lines, commit = str(entry.get("lines") or ""), str(entry.get("commit") or "")
    where = (f"line {lines}" if lines.isdigit() else f"lines {lines}") if lines else ""
    if commit:
        where = f"{where} from commit {commit}" if where else f"commit {commit}"
    text = _EVIDENCE_PREFIX.get(str(entry.get("kind")), "") + str(entry.get("detail") or "")
    if where:
        text = f"{where}: {text}"
    notes = [str(entry[key]) for key in ("tool", "note") if entry.get(key)]
    return f"{text} ({'; '.join(notes)})" if notes else text


@register.filter(name="pull_request_url")
def pull_request_url(pull_request: object) -> str:
    """The review page of a pull request (owner and name are the repository's path segments)."""
    owner, _, name = pull_request.repository.full_name.partition("/")  # type: ignore[attr-defined]
    return reverse(
        "reviews:pull_request_detail",
        kwargs={"owner": owner, "name": name, "number": pull_request.number},  # type: ignore[attr-defined]
    )


@register.filter(name="flaw_class")
def flaw_class(value: object) -> str:
    """A calibration flaw class's title ("sqli" -> "SQL injection"); an unknown one as it is."""
    return flaw_classes().get(str(value), str(value))
