"""Checklist generation, pure: plain descriptions of a revision in, ordered item specs out.

Four sections, in this order: (1) triage of each new finding (the most severe first); (2) the
assumption challenges of AI-written code; (3) comprehension checks, one per AI-written hunk group
(the enclosing function, else the file), and one explanation per file without AI-written hunks;
(4) one functional sign-off. Keys are stable across pushes (`triage:<fingerprint>`,
`assumption:<kind>:<path>:<line hash>`, `comprehension:<path>:<function>`, `explain:<path>`) and
each item carries the hash of the content it is about, so an answer carries over only while that
content is unchanged.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from findings.engine.analysis import ScanCacheProtocol
from findings.engine.languages import language_for_path
from findings.engine.syntax.outline import LANGUAGES as OUTLINED_LANGUAGES
from findings.engine.syntax.outline import Outline, outline
from reviewbench.checklist.assumptions import (
    MAX_ASSUMPTIONS,
    MAX_FILE_BYTES,
    Assumption,
    AssumptionSource,
    assumption_rationale,
    assumptions_for_file,
)
from reviewbench.checklist.comprehension import DEFAULT_LIMIT as COMPREHENSION_LIMIT
from reviewbench.checklist.comprehension import (
    Question,
    QuestionGroup,
    file_kind,
    file_question,
    kept_groups,
    question_groups,
    questions_for_file,
)
from reviewbench.checklist.memo import FileMemo, memo_key

KIND_TRIAGE = "triage"
KIND_ASSUMPTION = "assumption"
KIND_COMPREHENSION = "comprehension"
KIND_EXPLAIN = "explain"
KIND_SIGNOFF = "signoff"
KIND_DECLARATION = "declaration"
KIND_UNDECLARED = "undeclared"
SIGNOFF_KEY = "signoff"

SECTIONS: tuple[tuple[str, str], ...] = (
    ("declaration", "AI-use declaration"),
    ("triage", "Security findings"),
    ("assumptions", "Assumption challenges"),
    ("comprehension", "Comprehension"),
    ("signoff", "Functional sign-off"),
)
SECTION_OF_KIND = {
    KIND_TRIAGE: "triage",
    KIND_ASSUMPTION: "assumptions",
    KIND_COMPREHENSION: "comprehension",
    KIND_EXPLAIN: "comprehension",
    KIND_SIGNOFF: "signoff",
    KIND_DECLARATION: "declaration",
    KIND_UNDECLARED: "declaration",
}

KEY_MAX_LENGTH = 200  # ChecklistItem.key
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# Paths and titles come from the pull request: bound what goes into a prompt.
PROMPT_TEXT_LIMIT = 300


@dataclass(frozen=True)
class FindingInfo:
    fingerprint: str
    rule_id: str
    title: str
    severity: str
    path: str
    line: int
    cwe: int | None = None
    pre_existing: bool = False


@dataclass(frozen=True)
class HunkInfo:
    index: int
    content_hash: str
    content: str = ""
    target_start: int = 1
    section_header: str = ""
    ai: bool = False

    def new_side(self) -> tuple[tuple[int, str, bool], ...]:
        """(new line number, text, added?) for each line on the head side of the hunk."""
        return self._new_side

    @functools.cached_property
    def _new_side(self) -> tuple[tuple[int, str, bool], ...]:
        # Worked out once per hunk: the build reads it for the text, the AI lines, the enclosing
        # functions and the hunk of each line.
        rows: list[tuple[int, str, bool]] = []
        number = self.target_start
        for raw in self.content.splitlines():
            if raw.startswith(("@@", "-", "\\")):
                continue
            rows.append((number, raw[1:], raw.startswith("+")))
            number += 1
        return tuple(rows)


@dataclass(frozen=True)
class FileInfo:
    path: str
    hunk_hashes: tuple[str, ...] = ()
    hunks: tuple[HunkInfo, ...] = ()
    # The file's text at head when the caller has it; otherwise it is rebuilt from the hunks.
    text: str | None = None

    @functools.cached_property
    def ai_hunks(self) -> tuple[HunkInfo, ...]:
        return tuple(hunk for hunk in self.hunks if hunk.ai)

    @functools.cached_property
    def ai_layout(self) -> str:
        """What the AI-written lines and their enclosing functions are worked out from: each AI
        hunk's start, section header and content. Part of the memo keys, so a remembered file
        needs none of its hunks parsed."""
        return "|".join(
            f"{hunk.target_start}:{hunk.section_header}:"
            + hashlib.sha256(hunk.content.encode("utf-8", "surrogatepass")).hexdigest()
            for hunk in self.ai_hunks
        )

    @functools.cached_property
    def text_key(self) -> str:
        """The head text when the caller gave it; otherwise what it is rebuilt from (every hunk's
        start and content)."""
        if self.text is not None:
            return self.text
        return "\x1f".join(f"{hunk.target_start}:{hunk.content}" for hunk in self.hunks)

    @functools.cached_property
    def ai_lines(self) -> frozenset[int]:
        """New-side numbers of the lines added by AI-written hunks."""
        return frozenset(
            number for hunk in self.ai_hunks for number, _text, added in hunk.new_side() if added
        )

    def all_hunk_hashes(self) -> tuple[str, ...]:
        return self.hunk_hashes or tuple(hunk.content_hash for hunk in self.hunks)


@dataclass(frozen=True)
class ItemSpec:
    key: str
    kind: str
    position: int
    prompt: str
    content_hash: str
    finding_fingerprint: str | None = None
    path: str | None = None
    assumption_kind: str = ""
    line: int | None = None
    hunk_index: int | None = None
    hunk_indexes: tuple[int, ...] = field(default_factory=tuple)
    # What the question is about: a real answer names at least one of these (checked on save).
    expected_terms: tuple[str, ...] = ()
    # Why the item was asked and what a good answer names, shown under the prompt.
    rationale: str = ""


def _bounded(text: str, limit: int = PROMPT_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain_key(path: str) -> str:
    """`explain:<path>`, or a hash of the path when the path would not fit the key column."""
    key = f"{KIND_EXPLAIN}:{path}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    return f"{KIND_EXPLAIN}:sha256:{hashlib.sha256(path.encode('utf-8')).hexdigest()}"


def triage_key(fingerprint: str) -> str:
    return f"{KIND_TRIAGE}:{fingerprint}"[:KEY_MAX_LENGTH]


def file_content_hash(hunk_hashes: Sequence[str]) -> str:
    """sha256 over the file's hunk content hashes, in hunk order."""
    digest = hashlib.sha256()
    for value in hunk_hashes:
        digest.update(value.encode("ascii", "replace"))
        digest.update(b"\n")
    return digest.hexdigest()


def triage_prompt(finding: FindingInfo) -> str:
    cwe = f" (CWE-{finding.cwe})" if finding.cwe else ""
    return (
        f"Triage {finding.severity} finding {_bounded(finding.rule_id, 128)}{cwe} at "
        f"{_bounded(finding.path)}:{finding.line}: {_bounded(finding.title)}"
    )


def explain_prompt(path: str) -> str:
    return (
        f"Explain in your own words what the change to {_bounded(path)} does and why it is correct"
    )


def comprehension_key(path: str, group: str) -> str:
    """`comprehension:<path>:<group>`, hashed when it would not fit the key column."""
    key = f"{KIND_COMPREHENSION}:{path}:{group}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    digest = hashlib.sha256(f"{path}\n{group}".encode()).hexdigest()
    return f"{KIND_COMPREHENSION}:sha256:{digest}"


def comprehension_prompt(path: str, function: str | None) -> str:
    if function:
        return (
            f"Explain in your own words what {_bounded(function, 120)} in {_bounded(path)} does "
            "and why it is correct"
        )
    return (
        f"Explain in your own words what the AI-written code in {_bounded(path)} does and why "
        "it is correct"
    )


SIGNOFF_PROMPT = (
    "Functional sign-off: I ran or tested the change and it does what the pull request says. "
    "State briefly how you verified it."
)


def file_text(file: FileInfo) -> str:
    """The head text of a file, or its hunks' head-side lines placed at their line numbers."""
    if file.text is not None:
        return file.text
    placed: dict[int, str] = {}
    for hunk in file.hunks:
        for number, text, _added in hunk.new_side():
            placed[number] = text
    if not placed:
        return ""
    last = min(max(placed), 200_000)
    return "\n".join(placed.get(number, "") for number in range(1, last + 1)) + "\n"


def ai_lines(file: FileInfo) -> frozenset[int]:
    """New-side numbers of the lines added by AI-written hunks."""
    return file.ai_lines


def _python_functions(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                start = min([d.lineno for d in child.decorator_list] + [child.lineno])
                end = getattr(child, "end_lineno", None) or child.lineno
                if not isinstance(child, ast.ClassDef):
                    found.append((start, end, f"{name}()"))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


_HEADER_FUNCTION = re.compile(
    r"(?:\bfunc\s+(?:\([^)]*\)\s*)?|\bfunction\s*\*?\s*|\bdef\s+|\bfn\s+)([A-Za-z_$][\w$]*)"
    r"|([A-Za-z_$][\w$]*)\s*(?:=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>)|\()"
)
_NOT_FUNCTIONS = frozenset({"if", "for", "while", "switch", "catch", "return", "new", "class"})


def header_function(section_header: str) -> str | None:
    """The function named by a hunk's `@@ … @@ <section header>`, when it names one."""
    match = _HEADER_FUNCTION.search(section_header[:300])
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    if not name or name in _NOT_FUNCTIONS:
        return None
    return f"{name}()"


def comprehension_groups(file: FileInfo) -> list[tuple[str | None, tuple[HunkInfo, ...]]]:
    """The file's AI-written hunks grouped by enclosing function (None: the file as a whole)."""
    ai_hunks = file.ai_hunks
    if not ai_hunks:
        return []
    functions: list[tuple[int, int, str]] = []
    if language_for_path(file.path) == "python":
        functions = _python_functions(file_text(file))
    groups: dict[str | None, list[HunkInfo]] = {}
    for hunk in ai_hunks:
        added = [number for number, _text, is_added in hunk.new_side() if is_added]
        function: str | None = None
        if functions and added:
            enclosing = [f for f in functions if f[0] <= added[0] <= f[1]]
            if enclosing:
                function = max(enclosing, key=lambda f: f[0])[2]
        elif not functions:
            function = header_function(hunk.section_header)
        groups.setdefault(function, []).append(hunk)
    return [(name, tuple(hunks)) for name, hunks in groups.items()]


def _file_key(file: FileInfo, *extra: str) -> str:
    return memo_key(file.path, file.text_key, file.ai_layout, *extra)


def _assumptions(file: FileInfo, shape_of: Callable[[str, str], Outline]) -> list[Assumption]:
    source = AssumptionSource(path=file.path, text=file_text(file), ai_lines=ai_lines(file))
    return assumptions_for_file(source, shape=shape_of(source.path, source.text))


def _enclosing(file: FileInfo) -> dict[int, str]:
    """AI-added line -> the function its hunk's section header names."""
    return {
        number: name
        for hunk in file.ai_hunks
        if (name := header_function(hunk.section_header))
        for number, _text, added in hunk.new_side()
        if added
    }


def _questions(
    file: FileInfo, content: str, shape_of: Callable[[str, str], Outline]
) -> list[Question]:
    text = file_text(file)
    return questions_for_file(
        file.path,
        text,
        ai_lines(file),
        content,
        enclosing=_enclosing(file),
        shape=shape_of(file.path, text),
    )


def _ranked_questions(
    work: Sequence[tuple[FileInfo, str, str]],
    memo: ScanCacheProtocol | None,
    shape_of: Callable[[str, str], Outline],
    limit: int,
) -> list[tuple[str, Question]]:
    """The questions of the `limit` riskiest functions (`kept_groups`), in file order; a
    function's main and pinned questions stay together (the limit counts functions and files,
    not questions). Each file's groups (name, risk) are remembered apart from its questions and
    only the files whose groups make the cut are read in full: a push of a 1,000-file PR
    decodes a few files' questions, not a thousand's."""
    computed: dict[str, list[Question]] = {}

    def groups_of(file: FileInfo, content: str, key: str) -> list[QuestionGroup]:
        computed[key] = _questions(file, content, shape_of)
        return question_groups(computed[key])

    remembered_groups = FileMemo(
        memo, "checklist.question_groups", [key for *_rest, key in work], _group_from_dict
    )
    groups = {
        key: remembered_groups.get(key, groups_of, file, content, key)
        for file, content, key in work
    }
    remembered_groups.save()
    kept = kept_groups(
        [(file.path, group) for file, _content, key in work for group in groups[key]], limit
    )
    chosen = [
        item for item in work if any((item[0].path, g.group) in kept for g in groups[item[2]])
    ]
    remembered = FileMemo(
        memo,
        "checklist.questions",
        [key for *_rest, key in chosen if key not in computed],
        _question_from_dict,
    )
    for key, found in computed.items():
        remembered.put(key, found)
    result: list[tuple[str, Question]] = []
    for file, content, key in chosen:
        questions = (
            computed[key]
            if key in computed
            else remembered.get(key, _questions, file, content, shape_of)
        )
        result.extend(
            (file.path, q) for q in questions if (file.path, q.function or q.key_group) in kept
        )
    remembered.save()
    return result


def _group_from_dict(data: dict[str, Any]) -> QuestionGroup:
    return QuestionGroup(group=str(data["group"]), risk=int(data["risk"]))


def _hunk_at(file: FileInfo | None, line: int | None) -> int | None:
    """The AI-written hunk of `file` that adds `line`."""
    if file is None or not line:
        return None
    for hunk in file.ai_hunks:
        if any(number == line and added for number, _text, added in hunk.new_side()):
            return hunk.index
    return None


def _question_from_dict(data: dict[str, Any]) -> Question:
    return Question(**{**data, "expected_terms": tuple(data["expected_terms"])})


def checklist_build(
    findings: Sequence[FindingInfo],
    files: Sequence[FileInfo],
    *,
    signoff: bool | None = None,
    assumption_limit: int = MAX_ASSUMPTIONS,
    comprehension_limit: int = COMPREHENSION_LIMIT,
    memo: ScanCacheProtocol | None = None,
) -> list[ItemSpec]:
    """Ordered checklist specs: triage, assumption challenges, comprehension, sign-off.

    The sign-off is added whenever there is something to review (a finding or a changed file;
    signoff=None) or when asked. `memo` remembers each file's assumptions and questions across
    pushes (reviewbench.checklist.memo).
    """
    specs: list[ItemSpec] = []
    seen: set[str] = set()

    def add(spec_key: str, kind: str, prompt: str, content_hash: str, **extra: Any) -> None:
        if spec_key in seen:
            return
        seen.add(spec_key)
        specs.append(
            ItemSpec(
                key=spec_key,
                kind=kind,
                position=len(specs),
                prompt=prompt,
                content_hash=content_hash,
                **extra,
            )
        )

    new_findings = sorted(
        (finding for finding in findings if not finding.pre_existing),
        key=lambda f: (
            -SEVERITY_RANK.get(f.severity, -1),
            f.path,
            f.line,
            f.rule_id,
            f.fingerprint,
        ),
    )
    for finding in new_findings:
        add(
            triage_key(finding.fingerprint),
            KIND_TRIAGE,
            triage_prompt(finding),
            finding.fingerprint,
            finding_fingerprint=finding.fingerprint,
        )

    sources = [file for file in files if file.ai_hunks]
    by_path = {file.path: file for file in files}
    shapes: dict[str, Outline] = {}  # each file is outlined once, for both kinds of prompt

    def shape_of(path: str, text: str) -> Outline:
        if path not in shapes:
            shapes[path] = outline(path, text, language_for_path(path))
        return shapes[path]

    source_keys = [_file_key(file) for file in sources]
    remembered = FileMemo(memo, "checklist.assumptions", source_keys, lambda d: Assumption(**d))
    assumptions: list[Assumption] = []
    for source, source_key in zip(sources, source_keys, strict=True):
        if len(assumptions) >= assumption_limit:
            break
        assumptions.extend(remembered.get(source_key, _assumptions, source, shape_of))
    remembered.save()
    for assumption in assumptions[:assumption_limit]:
        add(
            assumption.key,
            KIND_ASSUMPTION,
            assumption.prompt,
            hashlib.sha256(assumption.code.encode("utf-8")).hexdigest(),
            path=assumption.path,
            assumption_kind=assumption.kind,
            line=assumption.line,
            hunk_index=_hunk_at(by_path.get(assumption.path), assumption.line),
            rationale=assumption_rationale(assumption.kind),
        )

    asking = [
        file
        for file in files
        if file.ai_hunks
        and (language_for_path(file.path) in OUTLINED_LANGUAGES or file_kind(file.path) != "code")
    ]
    work = []
    for file in asking:
        content = file_content_hash([hunk.content_hash for hunk in file.ai_hunks])
        work.append((file, content, _file_key(file, content)))
    kept = _ranked_questions(work, memo, shape_of, comprehension_limit)
    for path, question in kept:
        file = by_path[path]
        add(
            comprehension_key(path, question.key_group),
            KIND_COMPREHENSION,
            question.prompt,
            question.content_hash,
            path=path,
            line=question.line,
            hunk_index=_hunk_at(file, question.line),
            hunk_indexes=tuple(hunk.index for hunk in file.ai_hunks),
            expected_terms=question.expected_terms,
            rationale=question.rationale,
        )

    for file in files:
        kind = file_kind(file.path)
        if file.ai_hunks and (language_for_path(file.path) in OUTLINED_LANGUAGES or kind != "code"):
            continue  # asked above, by function (or by the file's kind)
        groups = comprehension_groups(file)
        if not groups:
            if kind == "code":
                add(
                    explain_key(file.path),
                    KIND_EXPLAIN,
                    explain_prompt(file.path),
                    file_content_hash(file.all_hunk_hashes()),
                    path=file.path,
                )
            else:
                own = file_question(file.path, kind, file_content_hash(file.all_hunk_hashes()))
                if own is not None:
                    add(
                        explain_key(file.path),
                        KIND_EXPLAIN,
                        own.prompt,
                        own.content_hash,
                        path=file.path,
                        rationale=own.rationale,
                    )
            continue
        # A language without an outline: one question per enclosing function named by the hunk
        # headers, else per file.
        for function, hunks in groups:
            first_line = next((n for h in hunks for n, _t, added in h.new_side() if added), None)
            add(
                comprehension_key(file.path, function or "*"),
                KIND_COMPREHENSION,
                comprehension_prompt(file.path, function),
                file_content_hash([hunk.content_hash for hunk in hunks]),
                path=file.path,
                line=first_line,
                hunk_index=hunks[0].index,
                hunk_indexes=tuple(hunk.index for hunk in hunks),
            )

    if signoff or (signoff is None and (specs or files)):
        add(SIGNOFF_KEY, KIND_SIGNOFF, SIGNOFF_PROMPT, "")
    return specs


# --- answer checks, pure ------------------------------------------------------------------------

ANSWER_MIN_LENGTH = 30
THIN_ANSWER_LENGTH = 80
COPIED_TOKEN_SHARE = 0.6
COPIED_LINE_LENGTH = 20
LOW_DIVERSITY = 0.45
GENERIC_PHRASES = (
    "looks good",
    "lgtm",
    "it works",
    "works fine",
    "seems fine",
    "seems ok",
    "no issues",
    "self-explanatory",
    "self explanatory",
    "as described",
    "does what it says",
    "straightforward",
)
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[(){}\[\]<>=+*/%&|^~;:$#@!-]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Prose punctuation is not evidence of copied code.
_PROSE_SYMBOLS = frozenset({":", "-", "!"})


def code_lines(hunk_contents: Sequence[str]) -> list[str]:
    """Head-side code lines (added and context) of some hunks, without diff prefixes."""
    lines: list[str] = []
    for content in hunk_contents:
        for raw in content.splitlines():
            if raw.startswith(("@@", "-", "\\")):
                continue
            lines.append(raw[1:])
    return lines


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if t not in _PROSE_SYMBOLS]


def copied_code_reason(answer: str, hunk_contents: Sequence[str]) -> str | None:
    """Why an answer reads as copied code rather than an explanation, or None."""
    lines = code_lines(hunk_contents)
    flat = " ".join(answer.split())
    for line in lines:
        stripped = " ".join(line.split())
        if len(stripped) >= COPIED_LINE_LENGTH and stripped in flat:
            return (
                "The answer copies a line of the code; explain what it does in your own words "
                "instead of quoting it."
            )
    code_tokens = set(_tokens("\n".join(lines)))
    answer_tokens = _tokens(answer)
    if not answer_tokens or not code_tokens:
        return None
    share = sum(1 for token in answer_tokens if token in code_tokens) / len(answer_tokens)
    if share > COPIED_TOKEN_SHARE:
        return (
            f"{round(share * 100)}% of the answer is tokens of the code itself; explain in your "
            "own words what it does and why it is correct."
        )
    return None


def thin_answer_reason(answer: str) -> str | None:
    """Why an accepted answer should still be looked at by a lead, or None when it is not thin."""
    reasons: list[str] = []
    folded = answer.casefold()
    generic = [phrase for phrase in GENERIC_PHRASES if phrase in folded]
    if generic:
        reasons.append(f"generic phrase “{generic[0]}”")
    if len(answer) < THIN_ANSWER_LENGTH:
        reasons.append(f"short ({len(answer)} characters)")
    words = [w.casefold() for w in _WORD.findall(answer)]
    if len(words) >= 8 and len(set(words)) / len(words) < LOW_DIVERSITY:
        reasons.append("repetitive wording")
    return "Thin answer: " + ", ".join(reasons) if reasons else None


_LOCATION = re.compile(r"[\w./-]+\.\w+:\d+")


def has_location(answer: str) -> bool:
    """True when the answer names a `file:line` (e.g. `app/db.py:42`)."""
    return _LOCATION.search(answer) is not None


# --- answers checked against the code (issue 14) -------------------------------------------------

SHINGLE_WORDS = 5
COPIED_TEXT_SHARE = 0.5
SIMILAR_ANSWER_SHARE = 0.8


def _term_named(term: str, folded_answer: str) -> bool:
    folded = term.casefold()
    spaced = folded.replace("_", " ")
    return folded in folded_answer or (spaced != folded and spaced in folded_answer)


def missing_terms_reason(answer: str, terms: Sequence[str]) -> str | None:
    """Why an answer does not answer its question: it names none of what the question is about
    (the function, its inputs, its calls); None when it names one, or the question names none."""
    if not terms:
        return None
    folded = answer.casefold()
    if any(_term_named(term, folded) for term in terms):
        return None
    shown = ", ".join(f"`{term}`" for term in terms[:6])
    return (
        "The answer does not name what the question is about; say what happens with "
        f"{shown} in your own words."
    )


def partial_terms_reason(answer: str, terms: Sequence[str]) -> str | None:
    """A flag when a question about several things gets an answer about only one of them."""
    if len(terms) < 3:
        return None
    folded = answer.casefold()
    named = [term for term in terms if _term_named(term, folded)]
    if len(named) == 1:
        left = ", ".join(f"`{term}`" for term in terms if term not in named)
        return f"names only `{named[0]}`, not {_bounded(left, 120)}"
    return None


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def copied_text_reason(answer: str, source: str, what: str) -> str | None:
    """A flag when half or more of an answer's five-word runs come from `source` (the pull
    request's description, say) rather than from the reviewer."""
    mine = _shingles(answer)
    if not mine or not source:
        return None
    share = len(mine & _shingles(source)) / len(mine)
    if share >= COPIED_TEXT_SHARE:
        return f"copies {what} ({round(share * 100)}% of its wording)"
    return None


def similar_answer_reason(answer: str, others: Sequence[str]) -> str | None:
    """A flag when an answer is nearly the same as another answer of the pull request."""
    mine = {w.casefold() for w in _WORD.findall(answer)}
    if len(mine) < 5:
        return None
    for other in others:
        theirs = {w.casefold() for w in _WORD.findall(other)}
        if theirs and len(mine & theirs) / len(mine | theirs) >= SIMILAR_ANSWER_SHARE:
            return "nearly the same as another answer on this pull request"
    return None
