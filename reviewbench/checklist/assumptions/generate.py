"""The entry point: the challenges of every file's AI-written lines."""

from __future__ import annotations

from collections.abc import Sequence

from findings.engine.languages import language_for_path
from findings.engine.syntax.outline import Outline, outline
from reviewbench.checklist.assumptions.flows import (
    browser_code,
    flow_hits,
    guarded,
    subject_name,
    unique,
)
from reviewbench.checklist.assumptions.kinds import (
    KINDS,
    MAX_ASSUMPTIONS,
    MAX_FILE_BYTES,
    SHELL,
    SSRF,
    TIMEOUT,
    Assumption,
    AssumptionSource,
    Hit,
    assumption_key,
    assumption_prompt,
    normalise_code,
)
from reviewbench.checklist.assumptions.readers.lines import line_hits
from reviewbench.checklist.assumptions.readers.python import python_hits

# --- the entry point ------------------------------------------------------------------------------


def _merge(base: list[Hit], flows: list[Hit]) -> list[Hit]:
    """The AST or line-pattern hits, with the outline's where it names the inputs one by one:
    for a (kind, line) both see, the outline's per-input hits replace the single one."""
    from_flows = {(hit.kind, hit.line) for hit in flows if hit.subject}
    kept = [hit for hit in base if (hit.kind, hit.line) not in from_flows]
    return unique([*kept, *flows])


def assumptions_for_file(
    source: AssumptionSource, shape: Outline | None = None
) -> list[Assumption]:
    """Assumptions of one file's AI-written lines, in line order: one per (kind, line, input).
    `shape` is the file's outline when the caller has it already."""
    if not source.ai_lines or len(source.text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return []
    language = source.language or language_for_path(source.path)
    if language not in ("python", "javascript", "typescript", "java", "go"):
        return []
    hits: list[Hit]
    if language == "python":
        try:
            hits = python_hits(source.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            hits = line_hits(source.text, language, source.ai_lines)
    else:
        hits = line_hits(source.text, language, source.ai_lines)
    if shape is None:
        shape = outline(source.path, source.text, language)
    hits = _merge(hits, flow_hits(shape, source.text, source.ai_lines))
    hits = [hit for hit in hits if not guarded(hit, shape, source.text)]
    if language in ("javascript", "typescript") and browser_code(source.path, source.text):
        hits = [hit for hit in hits if hit.kind not in (SSRF, TIMEOUT, SHELL)]
    lines = source.text.splitlines()
    results: list[Assumption] = []
    occurrences: dict[str, int] = {}
    first_of: set[tuple[str, int]] = set()
    for hit in sorted(hits, key=lambda h: (h.line, KINDS.index(h.kind))):
        if hit.line not in source.ai_lines:
            continue
        code = lines[hit.line - 1] if 0 < hit.line <= len(lines) else ""
        if (hit.kind, hit.line) in first_of:
            # A further input reaching the same sink: its own key, stable across pushes.
            key = assumption_key(hit.kind, source.path, f"{code}\0{subject_name(hit.subject)}")
        else:
            first_of.add((hit.kind, hit.line))
            base = assumption_key(hit.kind, source.path, code)
            occurrences[base] = occurrences.get(base, 0) + 1
            key = assumption_key(hit.kind, source.path, code, occurrences[base])
        results.append(
            Assumption(
                key=key,
                kind=hit.kind,
                path=source.path,
                line=hit.line,
                code=normalise_code(code)[:500],
                prompt=assumption_prompt(hit, source.path),
            )
        )
    return results


def assumptions_generate(
    sources: Sequence[AssumptionSource], limit: int = MAX_ASSUMPTIONS
) -> list[Assumption]:
    """Assumptions for every file's AI-written lines, in file then line order, at most `limit`."""
    results: list[Assumption] = []
    for source in sources:
        results.extend(assumptions_for_file(source))
        if len(results) >= limit:
            return results[:limit]
    return results
