"""The author's AI-use declaration, read from the pull request's description."""

from __future__ import annotations

import pytest

from findings.engine.diff import parse_patch
from findings.engine.provenance.declaration import ai_declaration
from findings.engine.provenance.replay import provenance_analyze
from findings.engine.provenance.signals import ProvenanceConfig, ProvenanceFile
from findings.engine.snapshot import CommitData, PullRequestSnapshot

TEMPLATE = """## What and why
Adds the export.

## AI assistance
<!-- Keep the two lines below. AI assistance: none, partial (some of the code) or most. -->
AI assistance: {level}
AI tool: {tool}
"""


@pytest.mark.parametrize(
    ("body", "level", "tool"),
    [
        (TEMPLATE.format(level="partial", tool="copilot"), "partial", "GitHub Copilot"),
        (TEMPLATE.format(level="most", tool="claude code"), "most", "Claude"),
        (TEMPLATE.format(level="none", tool="<!-- e.g. Copilot -->"), "none", ""),
        (
            TEMPLATE.format(level="Partial", tool="our in-house model"),
            "partial",
            "our in-house model",
        ),
        ("**AI assistance:** most\n**AI tool:** Cursor\n", "most", "Cursor"),
        ("- AI use: partial\n", "partial", ""),
        ("AI assistance: none\nAI tool: none\n", "none", ""),
    ],
)
def test_the_declared_level_and_tool_are_read(body, level, tool):
    declaration = ai_declaration(body)
    assert declaration is not None
    assert (declaration.level, declaration.tool) == (level, tool)


@pytest.mark.parametrize(
    "body",
    [
        "",
        None,
        "Fixes the export.",
        # the template's own hint is a comment, not a declaration
        "<!-- AI assistance: none, partial or most -->\n",
        "AI assistance: maybe\n",
        "We used no AI assistance: none at all",  # not a line of its own
    ],
)
def test_no_declaration(body):
    assert ai_declaration(body) is None


def test_the_first_declaration_decides_and_a_long_tool_is_bounded():
    declaration = ai_declaration(
        "AI assistance: none\nAI tool: " + "x" * 500 + "\nAI assistance: most\n"
    )
    assert declaration is not None
    assert declaration.level == "none"
    assert len(declaration.tool) <= 64


def test_an_unclosed_comment_hides_the_rest_of_the_description():
    assert ai_declaration("<!-- hint\nAI assistance: most\n") is None


def _snapshot(body: str, commits=()) -> PullRequestSnapshot:
    return PullRequestSnapshot(
        repository_full_name="acme/shop",
        number=1,
        title="t",
        body=body,
        author_login="dev",
        base_ref="main",
        base_sha="0" * 40,
        head_ref="f",
        head_sha="1" * 40,
        commits=tuple(commits),
    )


def _provenance(body: str, commits=()):
    hunks = tuple(parse_patch("@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"))
    return provenance_analyze(
        snapshot=_snapshot(body, commits),
        files=[
            ProvenanceFile(path="app.py", hunks=hunks, previous_path="", content="a = 1\nb = 2\n")
        ],
        config=ProvenanceConfig.from_lists(labels=[], bot_authors=[]),
    )


def test_a_declaration_of_assistance_is_evidence_for_hunks_nothing_finer_speaks_for():
    result = _provenance("AI assistance: most\nAI tool: Claude\n")
    (origin,) = result.files[0]
    assert origin.authorship == "ai"
    assert origin.tool == "Claude"
    assert result.ai_added_lines == 2
    assert "AI assistance: most (Claude)" in [signal.detail for signal in result.signals]


def test_none_is_no_evidence_and_a_commit_signal_outranks_the_declaration():
    (origin,) = _provenance("AI assistance: none\n").files[0]
    assert origin.authorship != "ai"
    human_commit = CommitData(sha="2" * 40, message="Write it by hand")
    ai_commit = CommitData(
        sha="3" * 40, message="Other file\n\nCo-authored-by: Copilot <c@github.com>"
    )
    result = _provenance(
        "AI assistance: most\nAI tool: Claude\n", commits=(human_commit, ai_commit)
    )
    assert "AI assistance: most (Claude)" not in [signal.detail for signal in result.signals]
