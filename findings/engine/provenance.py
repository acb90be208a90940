"""AI provenance: which added lines of a pull request an AI wrote, and the evidence for it.

Pure: plain data in, plain data out; no ORM and no settings (configuration arrives as a
`ProvenanceConfig`). Every input is attacker-controlled text: the patterns below are compiled once
from constants, never from input, none of them nests quantifiers, and every scan is one pass over
text that is already bounded (messages, bodies, patches) or cut here (lines, values).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from findings.engine.diff import DiffError, HunkData, parse_patch
from findings.engine.snapshot import CommitData, CommitFile, PullRequestSnapshot

AI = "ai"
HUMAN = "human"
UNKNOWN = "unknown"

MAX_COMMITS = 250
MAX_DETAIL_CHARS = 200
MAX_TOOL_CHARS = 64
MAX_EVIDENCE_PER_HUNK = 20
MAX_SIGNALS_PER_COMMIT = 3
MAX_RANGES_SHOWN = 10
MAX_TRAILER_LINES = 200
# Markers and trailers are read from the start of a line only: a 1 MB minified line stays cheap.
MAX_SCANNED_LINE_CHARS = 2000
# A hunk header can claim line 99,999,999; replay refuses files it would have to grow that far.
MAX_REPLAY_LINES = 1_000_000
CONTENT_MATCH_NOTE = "attributed by content match"

# (normalised name, pattern). Order matters where names overlap: "chatgpt-codex" is Codex.
_TOOLS: tuple[tuple[str, str], ...] = (
    ("GitHub Copilot", r"(?:github[ _-]?)?copilot"),
    ("Codex", r"(?:(?:chatgpt|openai)[ _-]?)?codex"),
    ("ChatGPT", r"chatgpt"),
    ("Claude", r"claude(?:[ _-]code)?|anthropic"),
    ("Cursor", r"cursor"),
    ("aider", r"aider"),
    ("Devin", r"devin"),
    ("Jules", r"(?:google[ _-]?(?:labs[ _-]?)?)?jules"),
    ("Gemini", r"(?:google[ _-]?)?gemini"),
    ("Windsurf", r"windsurf|codeium"),
    ("Amazon Q", r"amazon[ _-]?q(?:[ _-]?developer)?"),
    ("Tabnine", r"tabnine"),
    ("Sourcegraph Cody", r"(?:sourcegraph[ _-]?)?cody"),
)
_TOOL_ALTERNATION = "|".join(
    f"(?P<t{index}>{pattern})" for index, (_, pattern) in enumerate(_TOOLS)
)
_TOOL_MENTION = re.compile(rf"(?<![A-Za-z0-9])(?:{_TOOL_ALTERNATION})(?![A-Za-z])", re.IGNORECASE)
# A trailer's person is an AI only when the whole name is a tool ("Claude", "Claude Sonnet 4.5",
# "GitHub Copilot"), never when it only starts with one: "Claude Monet", "Jules Verne" are people.
_TOOL_PERSON = re.compile(
    rf"(?:{_TOOL_ALTERNATION})"
    r"(?:[ _-]+(?:code|agent|ai|assistant|assist|bot|cli|chat|developer|opus|sonnet|haiku|pro"
    r"|flash|swe|integration|connector|labs|\d[\w.]{0,15}))*(?:\[bot\])?",
    re.IGNORECASE,
)
# Addresses the tools commit with (Claude Code, Copilot's agent, aider, Cursor's agent, App bots).
_AI_EMAIL = re.compile(
    r"noreply@anthropic\.com|(?:\d+\+)?copilot@users\.noreply\.github\.com|aider@aider\.chat"
    r"|cursoragent@cursor\.com|(?:\d+\+)?[a-z0-9-]{1,60}\[bot\]@users\.noreply\.github\.com",
    re.IGNORECASE,
)
_BOT_TOOL = re.compile(r"copilot|devin|jules|codex|claude|cursor", re.IGNORECASE)

_TRAILER = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{0,62})[ \t]*:[ \t]*(.*)")
_PERSON_TRAILERS = frozenset({"co-authored-by"})
_AI_TRAILERS = frozenset(
    {"assisted-by", "generated-by", "co-authored-by-ai", "ai-assisted-by", "ai-generated-by"}
)
_GIT_GENERATED_TRAILERS = frozenset({"signed-off-by"})

_DECLARATION = re.compile(
    r"(?<![A-Za-z])(?:generated|co-?authored|assisted)[ \t]+(?:with|by|using)[ \t]+"
    rf"(?:the[ \t]+help[ \t]+of[ \t]+)?\[?[ \t]*(?:{_TOOL_ALTERNATION})(?![A-Za-z])",
    re.IGNORECASE,
)
_CHECKED_BOX = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?\[[xX]\][ \t]+(.{0,500})", re.MULTILINE)
_AI_CLAIM = re.compile(
    r"(?<![A-Za-z0-9])(?:AI|LLM)[ \t-]+(?:assisted|generated|written|authored)"
    r"|(?<![A-Za-z])(?:generated|written|assisted|authored)[ \t]+(?:by|with)[ \t]+(?:an?[ \t]+)?"
    r"(?:AI|LLM)(?![A-Za-z])",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"(?<![A-Za-z])(?:no|not|none|without|never|non)(?![A-Za-z])|n't", re.I)

_COMMENT_OPENER = re.compile(r"#|//|/\*|<!--|--|;|^[ \t]*[*%']|(?i:(?<![A-Za-z])rem(?![A-Za-z]))")
_LINE_MARKER = re.compile(
    r"(?<![A-Za-z0-9])@?ai[ _-]?generated(?![A-Za-z])"
    r"|(?<![A-Za-z])generated[ \t]+(?:by|with|using)[ \t]+\[?"
    rf"(?:{_TOOL_ALTERNATION})(?![A-Za-z])",
    re.IGNORECASE,
)
_REGION_BEGIN = re.compile(
    r"(?<![A-Za-z0-9])ai[ _-]?generated[ _-]?(?:begin|start)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:begin|start)[ _-]?ai[ _-]?generated(?![A-Za-z])",
    re.IGNORECASE,
)
_REGION_END = re.compile(
    r"(?<![A-Za-z0-9])ai[ _-]?generated[ _-]?end(?![A-Za-z])"
    r"|(?<![A-Za-z])end[ _-]?ai[ _-]?generated(?![A-Za-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ProvenanceConfig:
    """Which PR labels and author logins declare AI authorship (compared case-insensitively)."""

    labels: frozenset[str] = frozenset()
    bot_authors: frozenset[str] = frozenset()

    @classmethod
    def from_lists(cls, *, labels: Iterable[str], bot_authors: Iterable[str]) -> ProvenanceConfig:
        return cls(
            labels=frozenset(label.strip().casefold() for label in labels if label.strip()),
            bot_authors=frozenset(login.strip().casefold() for login in bot_authors if login),
        )


@dataclass(frozen=True)
class Signal:
    kind: str  # label | body | bot_author | author | trailer | marker
    detail: str
    tool: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail, "tool": self.tool}


@dataclass(frozen=True)
class ProvenanceFile:
    """A file of the final diff: its parsed hunks and, when known, its full text at the head."""

    path: str
    hunks: tuple[HunkData, ...]
    previous_path: str = ""
    content: str | None = None


@dataclass(frozen=True)
class HunkProvenance:
    authorship: str  # ai | human | unknown
    tool: str
    evidence: tuple[dict[str, str], ...]
    added_lines: int
    ai_lines: int


@dataclass(frozen=True)
class ProvenanceResult:
    files: tuple[tuple[HunkProvenance, ...], ...]  # aligned with the input files and their hunks
    signals: tuple[Signal, ...]  # PR-level: they apply to every hunk
    commit_signals: Mapping[str, tuple[Signal, ...]]  # sha -> signals, AI-marked commits only
    added_lines: int
    ai_added_lines: int
    tools: tuple[str, ...]

    @property
    def ai_share(self) -> float:
        return self.ai_added_lines / self.added_lines if self.added_lines else 0.0


# --- signals ---------------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tool_named(text: str) -> str:
    """The normalised name of the first AI tool `text` mentions, or ""."""
    match = _TOOL_MENTION.search(text[:MAX_SCANNED_LINE_CHARS])
    return _tool_of(match) if match else ""


def _tool_of(match: re.Match[str]) -> str:
    for index, (name, _) in enumerate(_TOOLS):
        if match.group(f"t{index}") is not None:
            return name
    return ""


def is_ai_bot(login: str, config: ProvenanceConfig) -> bool:
    """A configured bot login, or any `[bot]` login that names a coding agent."""
    folded = login.strip().casefold()
    if not folded:
        return False
    if folded in config.bot_authors:
        return True
    return folded.endswith("[bot]") and _BOT_TOOL.search(folded) is not None


def _ai_person(name: str, email: str) -> str | None:
    """The tool a `Name <email>` identity belongs to, or None when it is (or may be) a person."""
    name, email = name.strip()[: MAX_TOOL_CHARS * 2], email.strip()[:320]
    if email and _AI_EMAIL.fullmatch(email):
        if "[bot]@" not in email.lower() or _BOT_TOOL.search(email):
            return tool_named(email) or tool_named(name) or _cut(name, MAX_TOOL_CHARS)
    if name:
        match = _TOOL_PERSON.fullmatch(name)
        if match:
            return _tool_of(match)
    return None


def _split_person(value: str) -> tuple[str, str]:
    name, _, rest = value.partition("<")
    email, _, _ = rest.partition(">")
    return name.strip(), email.strip()


def parse_trailers(message: str) -> list[tuple[str, str]]:
    """`(key, value)` trailers of a commit message's last paragraph, following git's rules."""
    lines = message.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0:
        return []  # one paragraph: the subject is never a trailer block
    block = lines[start:][-MAX_TRAILER_LINES:]
    trailers: list[tuple[str, str]] = []
    others = 0
    for line in block:
        line = line[:MAX_SCANNED_LINE_CHARS]
        if line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _TRAILER.fullmatch(line.rstrip())
        if match:
            trailers.append((match.group(1), match.group(2).strip()))
        else:
            others += 1
    if not trailers:
        return []
    if others == 0:
        return trailers
    # git accepts a mixed block when a quarter of it are trailers and git itself wrote one.
    git_generated = any(key.lower() in _GIT_GENERATED_TRAILERS for key, _ in trailers)
    return trailers if git_generated and 4 * len(trailers) >= len(trailers) + others else []


def commit_signals(commit: CommitData, config: ProvenanceConfig) -> tuple[Signal, ...]:
    """AI signals of one commit: trailers, an AI author identity, aider's `(aider)` suffix."""
    signals: list[Signal] = []
    for key, value in parse_trailers(commit.message):
        folded = key.lower()
        detail = _cut(f"{key}: {value}", MAX_DETAIL_CHARS)
        if folded in _AI_TRAILERS and value:
            name, _ = _split_person(value)
            tool = tool_named(value) or _cut(name or value, MAX_TOOL_CHARS)
            signals.append(Signal(kind="trailer", detail=detail, tool=tool))
        elif folded in _PERSON_TRAILERS:
            person = _ai_person(*_split_person(value))
            if person is not None:
                signals.append(Signal(kind="trailer", detail=detail, tool=person))
    author = commit.author_name.strip()
    if author.lower().endswith("(aider)"):
        signals.append(
            Signal(kind="author", detail=_cut(f"author {author}", MAX_DETAIL_CHARS), tool="aider")
        )
    elif (author_tool := _ai_person(author, commit.author_email)) is not None:
        signals.append(
            Signal(
                kind="author",
                detail=_cut(f"author {author} <{commit.author_email}>", MAX_DETAIL_CHARS),
                tool=author_tool,
            )
        )
    if is_ai_bot(commit.author_login, config):
        signals.append(
            Signal(
                kind="bot_author",
                detail=_cut(f"commit by {commit.author_login}", MAX_DETAIL_CHARS),
                tool=tool_named(commit.author_login),
            )
        )
    return tuple(signals)


def _body_signals(body: str) -> list[Signal]:
    signals: list[Signal] = []
    seen: set[str] = set()
    for match in _DECLARATION.finditer(body):
        detail = _cut(match.group(0).replace("[", ""), MAX_DETAIL_CHARS)
        if detail.lower() not in seen:
            seen.add(detail.lower())
            signals.append(Signal(kind="body", detail=detail, tool=_tool_of(match)))
    for match in _CHECKED_BOX.finditer(body):
        text = match.group(1)
        claim = _AI_CLAIM.search(text)
        if claim is None or _NEGATION.search(text, 0, claim.start()):
            continue
        detail = _cut(f"[x] {text}", MAX_DETAIL_CHARS)
        if detail.lower() not in seen:
            seen.add(detail.lower())
            signals.append(Signal(kind="body", detail=detail, tool=tool_named(text)))
    return signals


def pull_request_signals(
    *, labels: Iterable[str], body: str, author_login: str, config: ProvenanceConfig
) -> tuple[Signal, ...]:
    """Signals that cover the whole PR: AI labels, body declarations, a coding-agent author."""
    signals = [
        Signal(
            kind="label", detail=_cut(f"label {label}", MAX_DETAIL_CHARS), tool=tool_named(label)
        )
        for label in labels
        if label.strip().casefold() in config.labels
    ]
    signals.extend(_body_signals(body or ""))
    if is_ai_bot(author_login, config):
        signals.append(
            Signal(
                kind="bot_author",
                detail=_cut(f"opened by {author_login}", MAX_DETAIL_CHARS),
                tool=tool_named(author_login),
            )
        )
    return tuple(signals)


# --- in-code markers -------------------------------------------------------------------------


def _comment_part(line: str) -> str | None:
    line = line[:MAX_SCANNED_LINE_CHARS]
    opener = _COMMENT_OPENER.search(line)
    return None if opener is None else line[opener.start() :]


def line_marker(text: str) -> Signal | None:
    """An `AI-generated` / `Generated by <tool>` / `@ai-generated` comment on one line."""
    comment = _comment_part(text)
    if comment is None:
        return None
    match = _LINE_MARKER.search(comment)
    if match is None:
        return None
    return Signal(kind="marker", detail=_cut(comment, MAX_DETAIL_CHARS), tool=tool_named(comment))


def marker_regions(lines: Iterable[tuple[int, str]]) -> dict[int, Signal]:
    """Line number -> the begin marker of the AI-GENERATED region the line lies in (markers
    included). A region left open runs to the end of the lines given."""
    inside: Signal | None = None
    marked: dict[int, Signal] = {}
    for number, text in lines:
        comment = _comment_part(text)
        if comment is not None and _REGION_BEGIN.search(comment):
            inside = Signal(
                kind="marker", detail=_cut(comment, MAX_DETAIL_CHARS), tool=tool_named(comment)
            )
            marked[number] = inside
        elif comment is not None and inside is not None and _REGION_END.search(comment):
            marked[number] = inside
            inside = None
        elif inside is not None:
            marked[number] = inside
    return marked


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


def _commit_hunks(item: CommitFile) -> list[HunkData] | None:
    if item.patch is None:
        return None
    try:
        return parse_patch(item.patch)
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
                tools.extend(entry["tool"] for entry in item.evidence if entry.get("tool"))
    tools.extend(signal.tool for signal in pr_signals if signal.tool)
    return ProvenanceResult(
        files=tuple(results),
        signals=pr_signals,
        commit_signals=signals_by_sha,
        added_lines=added_total,
        ai_added_lines=ai_total,
        tools=tuple(dict.fromkeys(tools)),
    )
