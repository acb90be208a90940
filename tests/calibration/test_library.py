"""The exercise library: enough exercises across the seed classes and all four languages, every
key resolved to an added line, and malformed exercises refused with where they break."""

from __future__ import annotations

import pytest

from findings.engine.diff import parse_patch
from reviewbench.calibration.library import (
    ExerciseDataError,
    exercise_parse,
    exercise_snapshot,
    flaw_classes,
    library,
)

SEED_CLASSES = {
    "sqli",
    "path-traversal",
    "command-injection",
    "input-validation",
    "deserialization",
    "redos",
    "error-disclosure",
    "weak-crypto",
    "cookie-flags",
    "hardcoded-credentials",
}


def test_the_library_covers_the_seed_classes_in_all_four_languages():
    exercises = library()
    assert len(exercises) >= 12
    planted = {flaw.flaw_class for exercise in exercises for flaw in exercise.flaws}
    assert SEED_CLASSES <= planted
    languages = {"javascript" if e.language == "typescript" else e.language for e in exercises}
    assert languages == {"python", "javascript", "java", "go"}
    # Every seed class is planted in at least two languages: a reviewer is not calibrated on
    # one idiom of it.
    for name in SEED_CLASSES:
        spoken = {e.language for e in exercises for f in e.flaws if f.flaw_class == name}
        assert len(spoken) >= 2, name


@pytest.mark.parametrize("exercise", library(), ids=lambda e: e.slug)
def test_every_flaw_of_the_key_is_on_a_line_the_pull_request_adds(exercise):
    snapshot = exercise_snapshot(exercise, repository_full_name="calibration/x-1", number=1)
    assert "Co-authored-by:" in snapshot.commits[0].message or "Assisted-by:" in (
        snapshot.commits[0].message
    )
    by_path = {change.path: change for change in snapshot.files}
    for flaw in exercise.flaws:
        change = by_path[flaw.path]
        added = {line.number for hunk in parse_patch(change.patch or "") for line in hunk.added}
        assert flaw.line in added, (exercise.slug, flaw)
        assert flaw.flaw_class in flaw_classes()
        assert len(flaw.why) >= 20


def _exercise(**changes):
    raw = {
        "slug": "tiny",
        "title": "Tiny",
        "language": "python",
        "tool": "Copilot",
        "files": [{"path": "app.py", "after": "import os\nos.system(cmd)\nprint(1)\n"}],
        "flaws": [{"path": "app.py", "at": "os.system", "class": "command-injection",
                   "why": "cmd reaches a shell"}],
    }  # fmt: skip
    raw.update(changes)
    return raw


def test_a_flaw_line_is_found_from_its_snippet_or_given():
    assert exercise_parse(_exercise()).flaws[0].line == 2
    given = _exercise(
        flaws=[{"path": "app.py", "line": 3, "class": "input-validation", "why": "unchecked"}]
    )
    assert exercise_parse(given).flaws[0].line == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Bad Slug"}, "slug must be lower-case"),
        ({"language": "cobol"}, "language must be one of"),
        ({"files": []}, "'files' must list"),
        ({"files": [{"path": "../etc/passwd", "after": "x\n"}]}, "must be a new relative path"),
        (
            {"flaws": [{"path": "app.py", "at": "o", "class": "sqli", "why": "w"}]},
            "found on 2",
        ),
        (
            {"flaws": [{"path": "app.py", "at": "nowhere", "class": "sqli", "why": "w"}]},
            "found on 0",
        ),
        (
            {"flaws": [{"path": "app.py", "at": "os.system", "class": "nonsense", "why": "w"}]},
            "unknown class",
        ),
        (
            {"flaws": [{"path": "app.py", "at": "os.system", "class": "other", "why": "w"}]},
            "unknown class",
        ),
        (
            {"flaws": [{"path": "other.py", "at": "x", "class": "sqli", "why": "w"}]},
            "not one of the exercise's files",
        ),
        (
            {
                "files": [
                    {
                        "path": "app.py",
                        "before": "import os\n",
                        "after": "import os\nos.system(c)\n",
                    }
                ],
                "flaws": [{"path": "app.py", "at": "import os", "class": "sqli", "why": "w"}],
            },
            "is not added by the PR",
        ),
        ({"flaws": [{"path": "app.py", "line": True, "class": "sqli", "why": "w"}]}, "line"),
    ],
)
def test_a_malformed_exercise_is_refused_with_where_it_breaks(changes, message):
    with pytest.raises(ExerciseDataError, match=message):
        exercise_parse(_exercise(**changes))


def test_a_modified_file_diffs_from_its_before_text():
    data = exercise_parse(
        _exercise(
            files=[
                {"path": "app.py", "before": "import os\nprint(1)\n",
                 "after": "import os\nos.system(cmd)\nprint(1)\n"}
            ]
        )
    )  # fmt: skip
    change = exercise_snapshot(data, repository_full_name="calibration/x-1", number=3).files[0]
    assert change.status == "modified"
    assert (change.additions, change.deletions) == (1, 0)
    assert "+os.system(cmd)" in change.patch
