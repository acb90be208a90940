"""Secure-prompt guidance: what to tell the assistant so that it would not have written a finding.

The text is curated in secure_prompts.yaml, one family per class of flaw and one instruction per
language; this module only finds the right one for a finding's CWE, rule and file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from findings.engine.cwe_classes import CLASS_CWES
from findings.engine.languages import language_for_path

DATA_FILE = Path(__file__).with_name("secure_prompts.yaml")
LANGUAGES = ("python", "javascript", "typescript", "java", "go")
GENERAL = "general"
_FALLBACK_LANGUAGE = {"typescript": "javascript"}


@dataclass(frozen=True)
class SecurePrompt:
    family: str
    title: str  # the family's name for people: "SQL injection"
    language: str  # the language whose text this is, or "default"
    text: str


@dataclass(frozen=True)
class _Family:
    name: str
    title: str
    cwes: frozenset[int]
    rules: tuple[str, ...]
    texts: dict[str, str]


class SecurePromptDataError(ValueError):
    """secure_prompts.yaml does not follow its format; the message names the family."""


def _family(name: str, entry: object) -> _Family:
    if not isinstance(entry, dict):
        raise SecurePromptDataError(f"{name}: expected a mapping")
    cwes = entry.get("cwes", [])
    rules = entry.get("rules", [])
    if not all(isinstance(cwe, int) for cwe in cwes):
        raise SecurePromptDataError(f"{name}: cwes must be integers")
    if not all(isinstance(rule, str) and rule for rule in rules):
        raise SecurePromptDataError(f"{name}: rules must be non-empty strings")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SecurePromptDataError(f"{name}: a title is required")
    texts = {k: v for k, v in entry.items() if k not in ("cwes", "rules", "title")}
    unknown = set(texts) - {*LANGUAGES, "default"}
    if unknown:
        raise SecurePromptDataError(f"{name}: unknown keys {sorted(unknown)}")
    if not isinstance(texts.get("default"), str) or not texts["default"].strip():
        raise SecurePromptDataError(f"{name}: a default text is required")
    if not all(isinstance(text, str) and text.strip() for text in texts.values()):
        raise SecurePromptDataError(f"{name}: every text must be a non-empty string")
    own = frozenset(cwes) | CLASS_CWES.get(name, frozenset())
    return _Family(name=name, title=title, cwes=own, rules=tuple(rules), texts=dict(texts))


@functools.cache
def families() -> dict[str, _Family]:
    """Every family of secure_prompts.yaml, in the file's order (read once per process)."""
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or GENERAL not in raw:
        raise SecurePromptDataError(f"{DATA_FILE.name}: expected families and a '{GENERAL}' one")
    return {str(name): _family(str(name), entry) for name, entry in raw.items()}


def family_for(*, cwe: int | None, rule_id: str = "") -> str:
    """The family of a finding: by rule id first (findings without a CWE), then by CWE, where a
    family's own `cwes` win over the corpus classes (eval is code, not command, injection)."""
    known = families()
    for family in known.values():
        if any(rule_id == rule or (rule.endswith(".") and rule_id.startswith(rule))
               for rule in family.rules):  # fmt: skip
            return family.name
    if cwe is not None:
        for family in known.values():
            if family.name not in CLASS_CWES and cwe in family.cwes:
                return family.name
        for family in known.values():
            if cwe in family.cwes:
                return family.name
    return GENERAL


def secure_prompt(*, cwe: int | None, rule_id: str = "", path: str = "") -> SecurePrompt:
    """The instruction for the assistant that would have avoided this finding, in the language
    of `path` (TypeScript reads JavaScript's where it has none of its own)."""
    family = families()[family_for(cwe=cwe, rule_id=rule_id)]
    language = language_for_path(path) if path else None
    for candidate in (language, _FALLBACK_LANGUAGE.get(language or "")):
        if candidate and candidate in family.texts:
            text = family.texts[candidate]
            return SecurePrompt(
                family=family.name, title=family.title, language=candidate, text=text
            )
    return SecurePrompt(
        family=family.name, title=family.title, language="default", text=family.texts["default"]
    )
