"""Attribution: the commits replayed so each added line of the final diff belongs to the commit
that introduced it (a content match where replay cannot run), and each hunk gets its authorship
and evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from findings.engine.diff import DiffError, HunkData, parse_patch_remembered
from findings.engine.provenance.declaration import ai_declaration
from findings.engine.provenance.signals import (
    AI,
    CONTENT_MATCH_NOTE,
    HUMAN,
    MAX_COMMITS,
    MAX_EVIDENCE_PER_HUNK,
    MAX_RANGES_SHOWN,
    MAX_REPLAY_LINES,
    MAX_SIGNALS_PER_COMMIT,
    UNKNOWN,
    HunkProvenance,
    ProvenanceConfig,
    ProvenanceFile,
    ProvenanceResult,
    Signal,
    commit_signals,
    evidence_tools,
    line_marker,
    marker_regions,
    pull_request_signals,
)
from findings.engine.snapshot import CommitData, CommitFile, PullRequestSnapshot

# --- replaying the commits -------------------------------------------------------------------


def _hunk_lines(hunk: HunkData) -> Iterator[tuple[str, str]]:
    """(kind, text) of a hunk's lines in order; kind is " ", "+" or "-"."""
    for line in hunk.content.split("\n")[1:]:
        kind = line[:1]
        if kind == "\\":
            continue
        text = line[1:]
        if text.endswith("\r"):
            text = text[:-1]
        yield (kind if kind in ("+", "-") else " "), text


def _target_lines(hunks: Sequence[HunkData]) -> Iterator[tuple[int, str]]:
    for hunk in hunks:
        number = hunk.target_start
        for kind, text in _hunk_lines(hunk):
            if kind != "-":
                yield number, text
                number += 1


class _ReplayError(Exception):
    """A patch that does not apply to the file as replayed so far."""


@dataclass
class _Tracked:
    """The evolving file: per line, the commit that added it (None: older than the PR) and its
    text (None: not seen yet). Lines past the end of the lists are untouched base lines."""

    owners: list[str | None] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)

    def apply(self, hunks: Sequence[HunkData], sha: str) -> None:
        owners: list[str | None] = []
        texts: list[str | None] = []
        cursor = 0
        for hunk in hunks:
            start = hunk.source_start - 1 if hunk.source_length else hunk.source_start
            end = start + hunk.source_length
            if start < cursor or end > MAX_REPLAY_LINES:
                raise _ReplayError
            if len(self.owners) < end:
                missing = end - len(self.owners)
                self.owners.extend([None] * missing)
                self.texts.extend([None] * missing)
            owners.extend(self.owners[cursor:start])
            texts.extend(self.texts[cursor:start])
            expected = hunk.target_start - 1 if hunk.target_length else hunk.target_start
            if len(owners) != expected:
                raise _ReplayError
            index = start
            for kind, text in _hunk_lines(hunk):
                if kind == "+":
                    owners.append(sha)
                    texts.append(text)
                    continue
                if index >= end or self.texts[index] not in (None, text):
                    raise _ReplayError
                if kind == " ":
                    owners.append(self.owners[index])
                    texts.append(text)
                index += 1
            if index != end:
                raise _ReplayError
            cursor = end
        owners.extend(self.owners[cursor:])
        texts.extend(self.texts[cursor:])
        self.owners, self.texts = owners, texts


@dataclass
class _Replay:
    tracked: dict[str, _Tracked] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    renamed_from: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # (sha, path) -> texts the commit added there, for the content-match fallback
    added_texts: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    complete: bool = True


def _commit_hunks(item: CommitFile) -> Sequence[HunkData] | None:
    if item.patch is None:
        return None
    try:
        # remembered: every push replays the PR's earlier commits, whose patches do not change
        return parse_patch_remembered(item.patch)
    except DiffError:
        return None


def _replay(commits: Sequence[CommitData]) -> _Replay:
    state = _Replay()
    for commit in commits:
        if not commit.files_complete:
            state.complete = False
        parsed = [(item, _commit_hunks(item)) for item in commit.files]
        # Sources first: a commit may rename a -> b and add a new a in the same change.
        moved: dict[str, tuple[_Tracked | None, bool]] = {}
        for item, _ in parsed:
            if item.status in ("renamed", "removed"):
                source = item.previous_path if item.status == "renamed" else item.path
                moved[source] = (state.tracked.pop(source, None), source in state.broken)
                state.broken.discard(source)
        for item, hunks in parsed:
            path = item.path
            if item.status == "removed":
                continue
            if hunks is not None:
                state.added_texts[(commit.sha, path)] = {
                    line.text for hunk in hunks for line in hunk.added
                }
            if item.status == "renamed" and item.previous_path:
                state.renamed_from[path].add(item.previous_path)
                tracked, broken = moved.get(item.previous_path, (None, False))
                tracked = tracked or _Tracked()
            elif item.status == "added":
                tracked, broken = _Tracked(), False
            else:
                tracked, broken = state.tracked.get(path) or _Tracked(), path in state.broken
            if broken or hunks is None:
                state.tracked.pop(path, None)
                state.broken.add(path)
                continue
            try:
                tracked.apply(hunks, commit.sha)
            except _ReplayError:
                state.tracked.pop(path, None)
                state.broken.add(path)
                continue
            state.tracked[path] = tracked
            state.broken.discard(path)
    return state


def _names(path: str, previous_path: str, renamed_from: Mapping[str, set[str]]) -> set[str]:
    names = {path}
    if previous_path:
        names.add(previous_path)
    pending = list(names)
    while pending:
        for source in renamed_from.get(pending.pop(), ()):
            if source not in names:
                names.add(source)
                pending.append(source)
    return names


# --- attribution -----------------------------------------------------------------------------

_REPLAYED = "replay"
_CONTENT = "content"


def _ranges(numbers: Iterable[int]) -> str:
    ordered = sorted(set(numbers))
    spans: list[str] = []
    start = previous = None
    for number in ordered:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            spans.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    if start is not None:
        spans.append(str(start) if start == previous else f"{start}-{previous}")
    shown = ", ".join(spans[:MAX_RANGES_SHOWN])
    return shown + ", …" if len(spans) > MAX_RANGES_SHOWN else shown


def _line_owners(
    file: ProvenanceFile,
    *,
    commits: Sequence[CommitData],
    replay: _Replay,
    ai_shas: frozenset[str],
) -> dict[int, tuple[str, str]]:
    """Added line number -> (sha of the commit that introduced it, how it was found)."""
    added = [line for hunk in file.hunks for line in hunk.added]
    if len(commits) == 1:
        return {line.number: (commits[0].sha, _REPLAYED) for line in added}
    owners: dict[int, tuple[str, str]] = {}
    tracked = replay.tracked.get(file.path)
    if replay.complete and tracked is not None and file.path not in replay.broken:
        for line in added:
            index = line.number - 1
            if index < len(tracked.owners) and tracked.texts[index] == line.text:
                sha = tracked.owners[index]
                if sha is not None:
                    owners[line.number] = (sha, _REPLAYED)
    unresolved = [line for line in added if line.number not in owners]
    if not unresolved:
        return owners
    # text -> commits (in PR order) whose patch added that text under any name of this file
    added_by: dict[str, list[str]] = defaultdict(list)
    names = _names(file.path, file.previous_path, replay.renamed_from)
    for commit in commits:
        texts: set[str] = set()
        for name in names:
            texts.update(replay.added_texts.get((commit.sha, name), ()))
        for text in texts:
            added_by[text].append(commit.sha)
    for line in unresolved:
        candidates = added_by.get(line.text, [])
        ai_candidates = [sha for sha in candidates if sha in ai_shas]
        if ai_candidates:
            owners[line.number] = (ai_candidates[-1], _CONTENT)
        elif candidates:
            owners[line.number] = (candidates[-1], _CONTENT)
    return owners


def _hunk_provenance(
    hunk: HunkData,
    *,
    owners: Mapping[int, tuple[str, str]],
    regions: Mapping[int, Signal],
    pr_signals: Sequence[Signal],
    signals_by_sha: Mapping[str, tuple[Signal, ...]],
    per_commit_known: bool,
) -> HunkProvenance:
    added = [line.number for line in hunk.added]
    ai_commit_lines: dict[tuple[str, str], list[int]] = defaultdict(list)
    human_commit_lines: dict[str, list[int]] = defaultdict(list)
    unattributed: list[int] = []
    region_lines: dict[Signal, list[int]] = defaultdict(list)
    for number in added:
        if number in regions:
            region_lines[regions[number]].append(number)
        owner = owners.get(number)
        if owner is None:
            unattributed.append(number)
        elif owner[0] in signals_by_sha:
            ai_commit_lines[owner].append(number)
        else:
            human_commit_lines[owner[0]].append(number)
    # A region's own BEGIN/END lines are part of the region, not markers of the whole hunk.
    line_markers = [
        (line.number, marker)
        for line in hunk.added
        if line.number not in regions and (marker := line_marker(line.text))
    ]

    evidence: list[dict[str, str]] = []
    for (sha, method), numbers in ai_commit_lines.items():
        for signal in signals_by_sha[sha][:MAX_SIGNALS_PER_COMMIT]:
            entry = {"kind": signal.kind, "lines": _ranges(numbers), "commit": sha[:7]}
            entry |= {"detail": signal.detail, "tool": signal.tool}
            if method == _CONTENT:
                entry["note"] = CONTENT_MATCH_NOTE
            evidence.append(entry)
    for signal, numbers in region_lines.items():
        evidence.append({"kind": "marker", "lines": _ranges(numbers)} | _signal_fields(signal))
    for number, signal in line_markers:
        evidence.append({"kind": "marker", "lines": str(number)} | _signal_fields(signal))
    unattributed_ai = per_commit_known and bool(unattributed)
    if unattributed_ai:
        evidence.append(
            {
                "kind": "unattributed",
                "lines": _ranges(unattributed),
                "detail": "no commit of this PR could be matched to these lines, "
                "and other commits of the PR are AI-marked",
                "tool": "",
            }
        )
    for signal in pr_signals:
        evidence.append(signal.as_dict())

    if pr_signals or line_markers:
        ai_numbers = set(added)
    else:
        ai_numbers = {n for numbers in ai_commit_lines.values() for n in numbers}
        ai_numbers.update(n for numbers in region_lines.values() for n in numbers)
        if unattributed_ai:
            ai_numbers.update(unattributed)
    if evidence:
        authorship = AI
    elif per_commit_known and added:
        authorship = HUMAN
        evidence = [
            {
                "kind": "human",
                "lines": _ranges(numbers),
                "commit": sha[:7],
                "detail": "commit carries no AI signal",
                "tool": "",
            }
            for sha, numbers in human_commit_lines.items()
        ]
    else:
        authorship = UNKNOWN
    evidence = evidence[:MAX_EVIDENCE_PER_HUNK]
    tool = next((entry["tool"] for entry in evidence if entry.get("tool")), "")
    return HunkProvenance(
        authorship=authorship,
        tool=tool if authorship == AI else "",
        evidence=tuple(evidence),
        added_lines=len(added),
        ai_lines=len(ai_numbers),
    )


def _signal_fields(signal: Signal) -> dict[str, str]:
    return {"detail": signal.detail, "tool": signal.tool}


def provenance_analyze(
    *,
    snapshot: PullRequestSnapshot,
    files: Sequence[ProvenanceFile],
    config: ProvenanceConfig,
) -> ProvenanceResult:
    """Label each hunk of the final diff AI, human or unknown, with evidence and the AI share."""
    commits = tuple(snapshot.commits[:MAX_COMMITS])
    pr_signals = pull_request_signals(
        labels=snapshot.labels,
        body=snapshot.body,
        author_login=snapshot.author_login,
        config=config,
    )
    signals_by_sha = {
        commit.sha: found for commit in commits if (found := commit_signals(commit, config))
    }
    ai_shas = frozenset(signals_by_sha)
    declared = ai_declaration(snapshot.body)
    declaration = declared.signal() if declared is not None else None
    if declaration is not None and not ai_shas and declaration not in pr_signals:
        # The author's declaration speaks for the whole PR only where no commit says more.
        pr_signals = (*pr_signals, declaration)
    # Without a PR-level signal, per-commit signals tell AI lines from human ones; with no
    # signal anywhere nothing is known.
    per_commit_known = bool(ai_shas) and not pr_signals
    replay = _replay(commits) if len(commits) > 1 and ai_shas else _Replay()

    results: list[tuple[HunkProvenance, ...]] = []
    added_total = ai_total = 0
    tools: list[str] = []
    for file in files:
        owners = (
            _line_owners(file, commits=commits, replay=replay, ai_shas=ai_shas) if ai_shas else {}
        )
        if file.content is not None:
            regions = marker_regions(enumerate(file.content.split("\n"), start=1))
        else:
            regions = marker_regions(_target_lines(file.hunks))
        hunks = tuple(
            _hunk_provenance(
                hunk,
                owners=owners,
                regions=regions,
                pr_signals=pr_signals,
                signals_by_sha=signals_by_sha,
                per_commit_known=per_commit_known,
            )
            for hunk in file.hunks
        )
        results.append(hunks)
        for item in hunks:
            added_total += item.added_lines
            ai_total += item.ai_lines
            if item.authorship == AI:
                tools.extend(evidence_tools(item.evidence))
    tools.extend(signal.tool for signal in pr_signals if signal.tool)
    return ProvenanceResult(
        files=tuple(results),
        signals=pr_signals,
        commit_signals=signals_by_sha,
        added_lines=added_total,
        ai_added_lines=ai_total,
        tools=tuple(dict.fromkeys(tools)),
    )
