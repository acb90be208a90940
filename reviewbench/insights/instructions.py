"""Assistant instruction files written from a repository's own confirmed findings.

Pure: takes the recurring classes and the policy's usage boundaries as plain data and returns the
file's text, the same text for the same input. The example lines are code from pull requests,
so attacker-controlled: each is one line, invisible characters shown as [U+XXXX], bounded, and
fenced so it cannot end its code block and speak to the assistant as an instruction.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbench.text import code_block, invisible_visible, one_line

FORMATS: dict[str, str] = {
    "agents": "AGENTS.md",
    "copilot": ".github/copilot-instructions.md",
    "cursor": ".cursor/rules/security.mdc",
}
EXAMPLE_CHARS = 160
_LANGUAGE_NAMES = {
    "python": "Python",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "java": "Java",
    "go": "Go",
    "default": "Any language",
}


@dataclass(frozen=True)
class Example:
    path: str
    line: int
    code: str
    language: str  # a code-fence language, or ""


@dataclass(frozen=True)
class RecurringClass:
    family: str
    title: str
    cwes: tuple[int, ...]
    count: int  # distinct confirmed findings
    prompts: tuple[tuple[str, str], ...]  # (language, instruction), most frequent language first
    example: Example | None


@dataclass(frozen=True)
class Boundary:
    paths: tuple[str, ...]
    ai: str  # prohibited | exception_required
    granted_by: str | None


def _example_block(example: Example) -> list[str]:
    code = one_line(invisible_visible(example.code), EXAMPLE_CHARS)
    # A path cannot close its inline code span: backticks become quotes.
    where = one_line(invisible_visible(example.path), 200).replace("`", "'")
    return [
        f"Confirmed in this repository at `{where}:{example.line}`:",
        "",
        *code_block(code, example.language),
    ]


def _boundary_line(boundary: Boundary) -> str:
    paths = ", ".join(f"`{path}`" for path in boundary.paths)
    if boundary.ai == "prohibited":
        return (
            f"- Do not generate or change code under {paths}: AI-written code is not allowed there."
        )
    who = f" by {boundary.granted_by}" if boundary.granted_by else ""
    return (
        f"- Do not generate code under {paths} unless the author has an exception granted{who}; "
        "say so in the pull request."
    )


def instruction_file(
    *,
    repository: str,
    classes: list[RecurringClass],
    boundaries: list[Boundary],
    file_format: str,
) -> str:
    """The text of the instruction file in `file_format` (a key of FORMATS)."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}; choose one of {', '.join(FORMATS)}")
    total = sum(item.count for item in classes)
    lines: list[str] = []
    if file_format == "cursor":
        lines += [
            "---",
            f"description: Security rules learned from the reviews of {repository}",
            "alwaysApply: true",
            "---",
            "",
        ]
    lines += [
        f"# Security instructions for AI assistants in {repository}",
        "",
        f"Written by ReviewBench from the {total} finding{'s' if total != 1 else ''} its "
        f"reviewers confirmed in {repository}, the most frequent class first. Regenerate it with "
        f"`manage.py instructions --repo {repository} --format {file_format}`.",
        "",
    ]
    if boundaries:
        lines += ["## Where not to generate code", ""]
        lines += [_boundary_line(boundary) for boundary in boundaries]
        lines.append("")
    lines += ["## Recurring flaws and how to avoid them", ""]
    if not classes:
        lines += ["No finding has been confirmed in this repository yet.", ""]
    for number, item in enumerate(classes, start=1):
        cwes = ", ".join(f"CWE-{cwe}" for cwe in item.cwes)
        label = f" ({cwes})" if cwes else ""
        lines += [
            f"### {number}. {item.title}{label}: {item.count} confirmed",
            "",
        ]
        if len(item.prompts) == 1:
            lines += [item.prompts[0][1], ""]
        else:
            for language, text in item.prompts:
                lines.append(f"- {_LANGUAGE_NAMES.get(language, language)}: {text}")
            lines.append("")
        if item.example is not None:
            lines += [*_example_block(item.example), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
