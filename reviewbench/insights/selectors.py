"""Reads for the leads' insight pages: what the confirmed findings of a repository teach."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from findings.engine.languages import language_for_path
from findings.engine.secure_prompts import secure_prompt
from findings.models import Finding, Repository
from reviewbench.approvals.services import repository_policy
from reviewbench.insights.instructions import (
    Boundary,
    Example,
    RecurringClass,
    instruction_file,
)
from reviewbench.policy import PolicyError

MAX_CWES_SHOWN = 5
_FENCE_LANGUAGES = {"python", "javascript", "typescript", "java", "go"}


@dataclass
class _Tally:
    title: str
    count: int = 0
    cwes: set[int] = field(default_factory=set)
    languages: Counter[str] = field(default_factory=Counter)
    texts: dict[str, str] = field(default_factory=dict)
    example: Example | None = None


def recurring_classes(repository: Repository) -> list[RecurringClass]:
    """The classes of the repository's confirmed findings, most frequent first (ties by family
    name). A finding carried from revision to revision counts once (by fingerprint); its example
    is the most recently confirmed one with code."""
    rows = (
        Finding.objects.filter(
            revision__pull_request__repository=repository, triage=Finding.Triage.CONFIRMED
        )
        .order_by("-triaged_at", "-pk")
        .values_list("fingerprint", "cwe", "rule_id", "path", "line", "code")
    )
    seen: set[str] = set()
    tallies: dict[str, _Tally] = {}
    for fingerprint, cwe, rule_id, path, line, code in rows.iterator(chunk_size=2000):
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        prompt = secure_prompt(cwe=cwe, rule_id=rule_id, path=path)
        tally = tallies.setdefault(prompt.family, _Tally(title=prompt.title))
        tally.count += 1
        if cwe:
            tally.cwes.add(cwe)
        tally.languages[prompt.language] += 1
        tally.texts.setdefault(prompt.language, prompt.text)
        if tally.example is None and code.strip():
            language = language_for_path(path) or ""
            tally.example = Example(
                path=path,
                line=line,
                code=code.strip(),
                language=language if language in _FENCE_LANGUAGES else "",
            )
    ordered = sorted(tallies.items(), key=lambda item: (-item[1].count, item[0]))
    return [
        RecurringClass(
            family=family,
            title=tally.title,
            cwes=tuple(sorted(tally.cwes)[:MAX_CWES_SHOWN]),
            count=tally.count,
            prompts=tuple(
                (language, tally.texts[language])
                for language, _count in sorted(
                    tally.languages.items(), key=lambda item: (-item[1], item[0])
                )
            ),
            example=tally.example,
        )
        for family, tally in ordered
    ]


def usage_boundaries(repository: Repository) -> list[Boundary]:
    """The policy's usage boundaries ([] when the policy file is broken: the check says why)."""
    try:
        policy = repository_policy(repository=repository)
    except PolicyError:
        return []
    return [
        Boundary(paths=boundary.paths, ai=boundary.ai, granted_by=boundary.granted_by)
        for boundary in policy.usage_boundaries
    ]


def repository_instructions(repository: Repository, *, file_format: str) -> str:
    """The instruction file for the repository in `file_format` (agents, copilot, cursor)."""
    return instruction_file(
        repository=repository.full_name,
        classes=recurring_classes(repository),
        boundaries=usage_boundaries(repository),
        file_format=file_format,
    )
