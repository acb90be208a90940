"""The calibration exercises as plain data: reading exercises.yaml, checking an exercise, and the
pull-request snapshot an attempt at it is analysed from.

An exercise is a small AI-style pull request (files before and after) with planted flaws and
their answer key. The key names each flaw by its file, its line (found from a snippet of the line
in the YAML, so the key does not drift when a line is added above it) and its class, one of the
families of the secure-prompt guidance, so a caught flaw and its guidance speak the same words.
No Django here: the database rows are built from these values by the room's services.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from findings.engine.diff import diff_texts, parse_patch
from findings.engine.secure_prompts import families
from findings.engine.snapshot import CommitData, CommitFile, FileChange, PullRequestSnapshot

LIBRARY_FILE = Path(__file__).with_name("exercises.yaml")
# Families of the guidance that are not a flaw a reviewer names in code.
_NOT_FLAWS = frozenset({"dependencies", "hidden-characters", "suppressions", "general"})
OTHER = "other"
LANGUAGES = ("python", "javascript", "typescript", "java", "go")
MAX_FILES = 10
MAX_FILE_CHARS = 20_000
MAX_FLAWS = 10
SLUG_MAX = 100
# The commit trailer per assistant, as the tools write it (provenance reads these).
_TRAILERS = {
    "copilot": "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "claude": "Co-authored-by: Claude <noreply@anthropic.com>",
    "cursor": "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
}


class ExerciseDataError(ValueError):
    """An exercise does not follow the format; the message names the exercise and the field."""


@dataclass(frozen=True)
class ExerciseFile:
    path: str
    after: str
    before: str | None = None  # None: the pull request adds the file


@dataclass(frozen=True)
class Flaw:
    path: str
    line: int
    flaw_class: str
    why: str


@dataclass(frozen=True)
class ExerciseData:
    slug: str
    title: str
    language: str
    tool: str
    summary: str
    files: tuple[ExerciseFile, ...]
    flaws: tuple[Flaw, ...]

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(flaw.flaw_class for flaw in self.flaws))


@functools.cache
def flaw_classes() -> dict[str, str]:
    """Every class a flaw can be named in, with its title: the guidance's families, then
    "other" for a flaw outside them (named, but never a catch)."""
    named = {name: family.title for name, family in families().items() if name not in _NOT_FLAWS}
    return {**named, OTHER: "Something else"}


def _text(raw: dict[str, Any], key: str, where: str, *, limit: int = 2000) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExerciseDataError(f"{where}: '{key}' must be a non-empty string")
    if len(value) > limit:
        raise ExerciseDataError(f"{where}: '{key}' is longer than {limit} characters")
    return value


def _added_lines(file: ExerciseFile) -> set[int]:
    """Line numbers (1-based, in `after`) the pull request adds or changes, read from its patch
    by the diff parser the pipeline uses."""
    patch = diff_texts(file.before or "", file.after)
    return {line.number for hunk in parse_patch(patch) for line in hunk.added}


def lines_of(text: str) -> list[str]:
    """The text's lines as the diff numbers them (split on newlines only)."""
    return text.removesuffix("\n").split("\n")


def _flaw_line(file: ExerciseFile, entry: dict[str, Any], where: str) -> int:
    """The flaw's line: given as `line`, or found as the one line that contains `at`."""
    if "line" in entry:
        line = entry["line"]
        if not isinstance(line, int) or isinstance(line, bool):
            raise ExerciseDataError(f"{where}: 'line' must be a line number")
    else:
        snippet = _text(entry, "at", where)
        lines = [n for n, text in enumerate(lines_of(file.after), start=1) if snippet in text]
        if len(lines) != 1:
            raise ExerciseDataError(
                f"{where}: 'at' must be found on exactly one line of {file.path}, "
                f"found on {len(lines)}"
            )
        line = lines[0]
    if line not in _added_lines(file):
        raise ExerciseDataError(f"{where}: line {line} of {file.path} is not added by the PR")
    return line


def exercise_parse(raw: object) -> ExerciseData:
    """One exercise from its YAML mapping (ExerciseDataError when it breaks the format)."""
    if not isinstance(raw, dict):
        raise ExerciseDataError("an exercise must be a mapping")
    slug = _text(raw, "slug", "exercise", limit=SLUG_MAX)
    if not all(ch.isalnum() or ch == "-" for ch in slug) or slug != slug.lower():
        raise ExerciseDataError(f"{slug}: the slug must be lower-case letters, digits and '-'")
    language = _text(raw, "language", slug)
    if language not in LANGUAGES:
        raise ExerciseDataError(f"{slug}: language must be one of {', '.join(LANGUAGES)}")
    raw_files = raw.get("files")
    if not isinstance(raw_files, list) or not 1 <= len(raw_files) <= MAX_FILES:
        raise ExerciseDataError(f"{slug}: 'files' must list 1 to {MAX_FILES} files")
    files: dict[str, ExerciseFile] = {}
    for index, entry in enumerate(raw_files):
        where = f"{slug}: files[{index}]"
        if not isinstance(entry, dict):
            raise ExerciseDataError(f"{where}: a file must be a mapping")
        path = _text(entry, "path", where, limit=300)
        if path.startswith("/") or ".." in path.split("/") or "\\" in path or path in files:
            raise ExerciseDataError(f"{where}: '{path}' must be a new relative path")
        before = entry.get("before")
        if before is not None and not isinstance(before, str):
            raise ExerciseDataError(f"{where}: 'before' must be text")
        files[path] = ExerciseFile(
            path=path, after=_text(entry, "after", where, limit=MAX_FILE_CHARS), before=before
        )
    raw_flaws = raw.get("flaws")
    if not isinstance(raw_flaws, list) or not 1 <= len(raw_flaws) <= MAX_FLAWS:
        raise ExerciseDataError(f"{slug}: 'flaws' must list 1 to {MAX_FLAWS} planted flaws")
    flaws = []
    for index, entry in enumerate(raw_flaws):
        where = f"{slug}: flaws[{index}]"
        if not isinstance(entry, dict):
            raise ExerciseDataError(f"{where}: a flaw must be a mapping")
        path = _text(entry, "path", where, limit=300)
        if path not in files:
            raise ExerciseDataError(f"{where}: '{path}' is not one of the exercise's files")
        flaw_class = _text(entry, "class", where)
        if flaw_class not in flaw_classes() or flaw_class == OTHER:
            raise ExerciseDataError(f"{where}: unknown class '{flaw_class}'")
        line = _flaw_line(files[path], entry, where)
        flaws.append(
            Flaw(path=path, line=line, flaw_class=flaw_class, why=_text(entry, "why", where))
        )
    return ExerciseData(
        slug=slug,
        title=_text(raw, "title", slug, limit=300),
        language=language,
        tool=_text(raw, "tool", slug, limit=64),
        summary=str(raw.get("summary") or ""),
        files=tuple(files.values()),
        flaws=tuple(flaws),
    )


@functools.cache
def library() -> tuple[ExerciseData, ...]:
    """The exercises of exercises.yaml, in the file's order (read once per process)."""
    raw = yaml.safe_load(LIBRARY_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ExerciseDataError(f"{LIBRARY_FILE.name}: expected a list of exercises")
    exercises = tuple(exercise_parse(entry) for entry in raw)
    slugs = [exercise.slug for exercise in exercises]
    if len(set(slugs)) != len(slugs):
        raise ExerciseDataError(f"{LIBRARY_FILE.name}: two exercises share a slug")
    return exercises


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


def _blob_sha(text: str) -> str:
    """Git's blob id of the text, so the scan cache serves a second attempt at the exercise."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def exercise_snapshot(
    exercise: ExerciseData, *, repository_full_name: str, number: int
) -> PullRequestSnapshot:
    """The pull request an attempt is analysed from: one AI-co-authored commit that turns each
    file's `before` into its `after`, through the pipeline every real pull request takes."""
    changes = []
    commit_files = []
    for file in exercise.files:
        patch = diff_texts(file.before or "", file.after)
        status = "added" if file.before is None else "modified"
        hunks = parse_patch(patch)
        additions = sum(len(hunk.added) for hunk in hunks)
        deletions = sum(len(hunk.removed) for hunk in hunks)
        changes.append(
            FileChange(
                path=file.path,
                status=status,
                patch=patch,
                blob_sha=_blob_sha(file.after),
                additions=additions,
                deletions=deletions,
                content=file.after,
            )
        )
        commit_files.append(CommitFile(path=file.path, status=status, patch=patch))
    trailer = _TRAILERS.get(exercise.tool.casefold(), f"Assisted-by: {exercise.tool}")
    head = _sha(repository_full_name, str(number), exercise.slug, "head")
    commit = CommitData(
        sha=head,
        message=f"{exercise.title}\n\n{trailer}\n",
        author_name="Exercise Author",
        author_email="exercise@reviewbench.invalid",
        author_login="exercise-author",
        files=tuple(commit_files),
        files_complete=True,
    )
    return PullRequestSnapshot(
        repository_full_name=repository_full_name,
        number=number,
        title=f"Exercise: {exercise.title}",
        body=exercise.summary,
        author_login="exercise-author",
        base_ref="main",
        base_sha=_sha(repository_full_name, str(number), exercise.slug, "base"),
        head_ref=f"exercise/{exercise.slug}",
        head_sha=head,
        labels=("ai-assisted", "calibration"),
        commits=(commit,),
        files=tuple(changes),
    )
