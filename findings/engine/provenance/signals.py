"""The evidence that an AI wrote something: labels, PR body declarations, bot authors, commit
trailers and authors, and in-code markers; configuration and the plain data of the result."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from findings.engine.diff import HunkData
from findings.engine.snapshot import CommitData

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


def evidence_tools(evidence: Iterable[object]) -> list[str]:
    """The AI tools a hunk's evidence entries name, in order (entries read back from the
    database are checked, not trusted to be mappings)."""
    return [
        str(entry["tool"]) for entry in evidence if isinstance(entry, Mapping) and entry.get("tool")
    ]


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
