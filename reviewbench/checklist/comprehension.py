"""Comprehension questions about this code, pure: per AI-written function, ranked by risk.

For every function or method that AI-written lines touch (Python by `ast`; JavaScript,
TypeScript, Java and Go by tree-sitter, through `findings.engine.syntax.outline`), the reviewer
is asked what comes in and from where, what it does on empty, missing, oversized or hostile
input, and what it writes; and, where one of its lines passes a parameter or request value to a
sink, one question pinned to that line ("What does `export_receipt` do when `order_id` is
`../../etc/passwd`?"). Functions are ranked (reaches a sink, handles request input, sits on a
sensitive path, size) and capped per pull request. Non-code files get no question, or one of
their own kind (configuration, dependency manifest, migration). Each question carries the terms
a real answer names, so an answer can be checked against the code rather than its length.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from findings.engine.languages import language_for_path
from findings.engine.syntax.outline import REQUEST_OBJECTS, Call, Function, Outline, outline

DEFAULT_LIMIT = 10
NAME_LIMIT = 60
SNIPPET_LIMIT = 120
MAX_TERMS = 12

# What a call does, by the callee's last segment (and, where the segment is ambiguous, its owner).
# (class, what it writes or touches, a hostile value for the pinned question), strongest first.
SINKS: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    (
        "shell",
        re.compile(
            r"(?:^|\.)(?:system|popen|exec|execSync|spawn|spawnSync|execFile|execFileSync|"
            r"Popen|run|call|check_call|check_output|getoutput|Command|CommandContext|"
            r"ProcessBuilder|create_subprocess_shell|create_subprocess_exec)$|Runtime\.getRuntime"
        ),
        "a shell command",
        "x; rm -rf ~",
    ),
    (
        "sql",
        re.compile(
            r"(?:^|\.)(?:execute|executemany|executescript|executeQuery|executeUpdate|"
            r"prepareStatement|createQuery|createNativeQuery|queryForObject|queryForList|"
            r"queryForMap|query|raw|Exec|ExecContext|Query|QueryContext|QueryRow|"
            r"QueryRowContext|extra|RawSQL|text)$"
        ),
        "the database",
        "0 OR 1=1",
    ),
    (
        "deserialize",
        re.compile(
            r"(?:^|\.)(?:loads|load|unsafe_load|full_load|readObject|readUnshared|fromXML|"
            r"unserialize|decode)$|ObjectInputStream|pickle|yaml\.load|gob\.NewDecoder"
        ),
        "an object built from bytes",
        "a crafted serialized object",
    ),
    (
        "path",
        re.compile(
            r"(?:^|\.)(?:open|readFile|readFileSync|writeFile|writeFileSync|createReadStream|"
            r"createWriteStream|unlink|unlinkSync|rmSync|rm|rmdir|remove|rmtree|copy|copyfile|"
            r"move|ReadFile|WriteFile|Create|OpenFile|Remove|RemoveAll|send_file|sendFile|"
            r"send_from_directory|FileResponse|FileInputStream|FileOutputStream|FileReader|"
            r"FileWriter|write|readAllBytes|newInputStream|newOutputStream|ServeFile|"
            r"download|join|Join|resolve|Path|File|Paths\.get|of)$"
        ),
        "a file",
        "../../etc/passwd",
    ),
    (
        "url",
        re.compile(
            r"(?:^|\.)(?:urlopen|fetch|Get|Post|Head|Do|NewRequest|NewRequestWithContext|"
            r"getForObject|getForEntity|postForObject|exchange|send|sendAsync|openConnection|"
            r"request)$|(?:^|\.)(?:requests|httpx|axios|got|http|https|client|session)\."
            r"(?:get|post|put|patch|delete|head|request)$"
        ),
        "the network",
        "http://169.254.169.254/latest/meta-data/",
    ),
    (
        "redirect",
        re.compile(r"(?:^|\.)(?:redirect|sendRedirect|Redirect|HttpResponseRedirect)$"),
        "a redirect",
        "//evil.example/login",
    ),
    (
        "html",
        re.compile(
            r"(?:^|\.)(?:mark_safe|Markup|render_template_string|HttpResponse|send|write|Write|"
            r"innerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|html|HTML|Fprintf|"
            r"getWriter)$"
        ),
        "the response",
        "<script>alert(1)</script>",
    ),
    (
        "regex",
        re.compile(
            r"(?:^|\.)(?:compile|match|search|fullmatch|findall|finditer|sub|RegExp|"
            r"MustCompile|Compile|matches|replaceAll)$"
        ),
        "a regular expression",
        "(a+)+$ followed by 40 a's and a !",
    ),
    (
        "log",
        re.compile(
            r"(?:^|\.)(?:debug|info|warning|warn|error|exception|critical|log|Printf|Println)$"
        ),
        "the logs",
        "a value with a newline and a forged log entry",
    ),
)
SINK_WEIGHT = {
    "shell": 6,
    "sql": 6,
    "deserialize": 5,
    "path": 4,
    "url": 4,
    "redirect": 3,
    "html": 3,
    "regex": 2,
    "log": 1,
}
# Calls that are bookkeeping, never a sink, whatever their name says.
_NOT_SINKS = re.compile(
    r"^(?:self|this|super)\.|(?:^|\.)(?:append|join|format|items|keys|values|toString|"
    r"equals|String|Sprintf|Errorf|strip|lower|upper|split|len|str|int|print)$"
)
_SENSITIVE_PATH = re.compile(
    r"auth|login|session|password|passwd|token|secret|crypto|payment|billing|invoice|admin|"
    r"permission|acl|oauth|saml|jwt|key|credential|account|checkout|wallet",
    re.IGNORECASE,
)
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|spec|__tests__|fixtures?)/|(?:_test|\.test|\.spec)\.\w+$|(?:^|/)test_"
)

# Non-code files: their own question, or none.
_MANIFESTS = re.compile(
    r"(?:^|/)(?:requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|setup\.cfg|"
    r"package\.json|go\.mod|pom\.xml|build\.gradle(?:\.kts)?|Gemfile|Cargo\.toml)$",
    re.IGNORECASE,
)
_LOCKFILES = re.compile(
    r"(?:^|/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|"
    r"go\.sum|Cargo\.lock|uv\.lock)$",
    re.IGNORECASE,
)
_MIGRATIONS = re.compile(r"(?:^|/)migrations?/|\.sql$|(?:^|/)alembic/versions/", re.IGNORECASE)
_CONFIG = re.compile(
    r"\.(?:ya?ml|json|toml|ini|cfg|conf|properties|env|tf|tfvars|hcl)$|(?:^|/)\.env[^/]*$|"
    r"(?:^|/)Dockerfile[^/]*$|(?:^|/)docker-compose[^/]*$|(?:^|/)\.github/workflows/",
    re.IGNORECASE,
)
CODE_LANGUAGES = frozenset({"python", "javascript", "typescript", "java", "go"})
OTHER_CODE = frozenset(
    {"ruby", "php", "c", "cpp", "csharp", "kotlin", "rust", "swift", "scala", "shell"}
)


@dataclass(frozen=True)
class Question:
    """One comprehension question: a checklist item spec before its position is known."""

    key_group: str  # the function's name, "<name>:edge" for the pinned question, or "*"
    prompt: str
    rationale: str
    expected_terms: tuple[str, ...]
    content_hash: str
    line: int | None
    risk: int
    function: str = ""


@dataclass(frozen=True)
class SinkUse:
    kind: str
    call: Call
    subject: str  # the parameter or request name that reaches it


def _bounded(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(text: str, limit: int = NAME_LIMIT) -> str:
    """Text shown inside backticks in a prompt: bounded, no backticks of its own."""
    return _bounded(text.replace("`", "'"), limit)


def sink_kind(call: Call) -> str | None:
    """The sink class of a call (shell, sql, path, ...), or None for bookkeeping."""
    if _NOT_SINKS.search(call.callee) or _READS.match(call.callee):
        return None
    for kind, pattern, _what, _hostile in SINKS:
        if pattern.search(call.callee):
            return kind
    return None


def _what(kind: str) -> str:
    return next(what for name, _pattern, what, _hostile in SINKS if name == kind)


def _hostile(kind: str) -> str:
    return next(hostile for name, _pattern, _what, hostile in SINKS if name == kind)


# Calls on the request object read input; they are not where it goes.
_READS = re.compile(r"^(?:req|request|r|ctx|c|self\.request)\.")
_NOT_SETUP = re.compile(
    r"\s*(?:$|#|//|/\*|\*|import\b|from\s+\S+\s+import\b|package\b|@|\}|\)|"
    r"(?:const|let|var)\s+[\w{}\s,]+=\s*require\()"
)


def _inputs(function: Function) -> list[str]:
    """The values a reviewer must trace: the parameters and the values read from the request,
    without the request and response objects themselves when there is anything else."""
    names = list(function.inputs())
    names += [n for n, origin, _line in function.derived if n == origin and n not in names]
    values = [n for n in names if n not in REQUEST_OBJECTS]
    return values or names


def sink_uses(function: Function, lines: frozenset[int]) -> list[SinkUse]:
    """Calls on `lines` whose arguments carry an input of the function (directly or through a
    local built from it), strongest sink first; the subject is the input itself."""
    carriers = function.carriers()
    uses: list[SinkUse] = []
    for call in function.calls:
        if call.line not in lines:
            continue
        kind = sink_kind(call)
        if kind is None:
            continue
        reached = [carriers[name][0] for name in call.names() if name in carriers]
        # A bare request or response object is the channel, not the value a reviewer traces.
        reached = [name for name in reached if name not in REQUEST_OBJECTS] or reached
        if reached:
            # In a path, the later parts are the ones that climb out of the base.
            subject = reached[-1] if kind == "path" else reached[0]
            uses.append(SinkUse(kind=kind, call=call, subject=subject))
    return sorted(uses, key=lambda use: (-SINK_WEIGHT[use.kind], use.call.line))


def function_risk(function: Function, path: str, lines: frozenset[int]) -> int:
    """How much a reviewer's attention this function deserves; higher first."""
    touched = [line for line in function.lines() if line in lines]
    score = sum(SINK_WEIGHT[use.kind] for use in sink_uses(function, lines))
    score += sum(1 for call in function.calls if call.line in lines and sink_kind(call) is not None)
    if function.handler or function.request_names:
        score += 4
    if _SENSITIVE_PATH.search(path) or _SENSITIVE_PATH.search(function.name):
        score += 3
    if _TEST_PATH.search(path):
        score -= 4
    return score + min(len(touched) // 10, 5)


def _effects(function: Function, lines: frozenset[int]) -> list[tuple[str, str, int]]:
    """(callee, what it touches, line) of the sink calls on AI-written lines, one per callee."""
    seen: dict[str, tuple[str, str, int]] = {}
    for call in function.calls:
        if call.line not in lines:
            continue
        kind = sink_kind(call)
        if kind is None or kind in ("regex",) or call.callee in seen:
            continue
        seen[call.callee] = (call.callee, _what(kind), call.line)
    return list(seen.values())[:5]


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "replace"))
        digest.update(b"\0")
    return digest.hexdigest()


def _terms(*groups: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for term in group:
            term = term.strip()
            if len(term) >= 2 and not term.startswith("<"):
                seen.setdefault(term, None)
    return tuple(seen)[:MAX_TERMS]


def _short(callee: str) -> str:
    return callee.rsplit(".", 1)[-1].removeprefix("new ")


def function_questions(
    function: Function, path: str, text_lines: Sequence[str], lines: frozenset[int]
) -> list[Question]:
    """The questions about one AI-written function: the main one, and the pinned one if any."""
    name = _code(function.name)
    inputs = _inputs(function)
    shown_inputs = ", ".join(f"`{_code(n, 40)}`" for n in inputs[:6]) or "its inputs"
    effects = _effects(function, lines)
    source = "\n".join(text_lines[function.start - 1 : function.end])
    risk = function_risk(function, path, lines)
    where = f"{_bounded(path, 200)}, lines {function.start} to {function.end}"
    parts = [
        f"`{name}` ({where}) was written by AI. In your own words:",
        (
            f"1. Inputs: where does {shown_inputs} come from, and who controls it?"
            if len(inputs) == 1
            else f"1. Inputs: where do {shown_inputs} come from, and who controls them?"
        ),
        "2. Edge cases: what does it return or raise when they are empty, missing, oversized or "
        "hostile?",
    ]
    if effects:
        listed = "; ".join(
            f"`{_code(callee, 40)}` ({what}, line {line})" for callee, what, line in effects
        )
        parts.append(f"3. Effects: what does it write or call, and with what: {listed}?")
    else:
        parts.append("3. Effects: what does it change outside itself (files, database, network)?")
    questions = [
        Question(
            key_group=function.name,
            prompt="\n".join(parts),
            rationale=(
                "Asked for every AI-written function, most risky first. A real answer names the "
                "inputs, what happens at the edges and what the function writes; it is checked "
                "against those names."
            ),
            expected_terms=_terms(
                inputs, [_short(callee) for callee, _what, _line in effects], [function.name]
            ),
            content_hash=_hash(path, function.name, source),
            line=min((line for line in function.lines() if line in lines), default=None),
            risk=risk,
            function=function.name,
        )
    ]
    uses = sink_uses(function, lines)
    if uses:
        use = uses[0]
        short_name = _code(function.name.rsplit(".", 1)[-1], 40)
        subject = _code(use.subject, 40)
        hostile = _hostile(use.kind)
        snippet = _code(use.call.snippet, SNIPPET_LIMIT)
        questions.append(
            Question(
                key_group=f"{function.name}:edge",
                prompt=(
                    f"What does `{short_name}` do when `{subject}` is `{hostile}`? "
                    f"Line {use.call.line} passes it to `{snippet}` ({path}:{use.call.line})."
                ),
                rationale=(
                    f"`{subject}` reaches {_what(use.kind)} through `{_code(use.call.callee, 40)}`"
                    " on this line. A good answer says what happens to that value there: the "
                    "check or encoding that stops it (with its line), or that nothing does."
                ),
                expected_terms=_terms([use.subject, _short(use.call.callee)]),
                content_hash=_hash(path, function.name, use.call.snippet, hostile),
                line=use.call.line,
                risk=risk + SINK_WEIGHT[use.kind],
                function=function.name,
            )
        )
    return questions


def file_kind(path: str) -> str:
    """code | manifest | lockfile | migration | config | other (documentation, assets)."""
    language = language_for_path(path)
    if _LOCKFILES.search(path):
        return "lockfile"
    if _MANIFESTS.search(path):
        return "manifest"
    if _MIGRATIONS.search(path) and (language in (None, "sql", "python")):
        return "migration"
    if language in CODE_LANGUAGES or language in OTHER_CODE:
        return "code"
    if _CONFIG.search(path):
        return "config"
    return "other"


_FILE_QUESTIONS = {
    "manifest": (
        "Which dependencies does this change to {path} add or upgrade, why is each needed, who "
        "maintains it, and is its version pinned?",
        "A dependency runs with the application's rights. A good answer names each new "
        "package and version and why it is trusted.",
    ),
    "migration": (
        "What does the migration in {path} change in the database: does it lock or rewrite a "
        "large table, lose data, or fail to reverse?",
        "A migration runs once against production data. A good answer names the tables and "
        "columns it touches and how it is rolled back.",
    ),
    "config": (
        "What behaviour does this change to {path} turn on or off, in which environments, and "
        "is its default the safe one?",
        "Configuration decides what the code is allowed to do. A good answer names the keys "
        "changed and their effect.",
    ),
}


def file_question(path: str, kind: str, content_hash: str) -> Question | None:
    """The one question of a configuration, manifest or migration file; None for others."""
    if kind not in _FILE_QUESTIONS:
        return None
    prompt, rationale = _FILE_QUESTIONS[kind]
    return Question(
        key_group="*",
        prompt=prompt.format(path=_bounded(path, 200)),
        rationale=rationale,
        expected_terms=(),
        content_hash=content_hash,
        line=None,
        risk=2 if kind == "manifest" else 1,
    )


_IDENT = re.compile(r"[A-Za-z_][\w.]*[A-Za-z_0-9]")
_KEYWORDS = frozenset(
    {
        "return",
        "if",
        "else",
        "for",
        "while",
        "func",
        "def",
        "var",
        "let",
        "const",
        "err",
        "nil",
        "None",
        "True",
        "False",
        "true",
        "false",
        "null",
        "new",
        "this",
        "self",
        "await",
        "async",
        "string",
        "int",
        "error",
        "public",
        "private",
        "static",
        "final",
        "void",
    }
)


def _line_terms(texts: Sequence[str]) -> tuple[str, ...]:
    """Identifiers of some code lines, the calls first: what a reader of them would name."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _IDENT.finditer(text):
            word = match.group(0)
            if word not in _KEYWORDS and len(word) > 2:
                found.setdefault(word.rsplit(".", 1)[-1], None)
    return tuple(found)[:MAX_TERMS]


def questions_for_file(
    path: str,
    text: str,
    lines: frozenset[int],
    content_hash: str,
    enclosing: dict[int, str] | None = None,
    shape: Outline | None = None,
) -> list[Question]:
    """Comprehension questions for one file's AI-written lines (ranked later, across the PR).

    `enclosing` names the function around a line when only the diff is known (GitHub's hunk
    header): lines outside every outlined function are then asked about by that name."""
    kind = file_kind(path)
    if kind != "code":
        question = file_question(path, kind, content_hash)
        return [question] if question is not None else []
    language = language_for_path(path)
    functions = (shape if shape is not None else outline(path, text, language)).functions
    text_lines = text.splitlines()
    touched = [f for f in functions if any(line in lines for line in f.lines())]
    # A nested function is asked about on its own; its lines do not make the outer one touched
    # unless the outer one has AI-written lines of its own.
    own: list[Function] = []
    for function in touched:
        inner = [
            other
            for other in touched
            if other is not function and function.start <= other.start and other.end <= function.end
        ]
        own_lines = [
            line
            for line in function.lines()
            if line in lines and not any(o.start <= line <= o.end for o in inner)
        ]
        if own_lines or not inner:
            own.append(function)
    questions = [q for f in own for q in function_questions(f, path, text_lines, lines)]
    outside = [
        line for line in sorted(lines) if not any(f.start <= line <= f.end for f in functions)
    ]
    # Imports, package lines and comments set nothing up worth a question of their own.
    outside = [
        n for n in outside if n <= len(text_lines) and not _NOT_SETUP.match(text_lines[n - 1])
    ]
    by_header: dict[str, list[int]] = {}
    for number in outside:
        name = (enclosing or {}).get(number)
        if name:
            by_header.setdefault(name, []).append(number)
    for name, numbers in by_header.items():
        shown = [text_lines[n - 1] for n in numbers]
        questions.append(
            Question(
                key_group=name,
                prompt=(
                    f"Explain in your own words what the AI-written lines of `{_code(name)}` in "
                    f"{_bounded(path, 200)} (from line {numbers[0]}) do, with which inputs, and "
                    "what they do when those inputs are empty or hostile."
                ),
                rationale=(
                    "Asked for AI-written code inside a function whose body is not in the diff. "
                    "A good answer names the values and calls of these lines."
                ),
                expected_terms=_line_terms(shown),
                content_hash=_hash(path, name, *shown),
                line=numbers[0],
                risk=1 + sum(1 for t in shown if any(p.search(t) for _k, p, _w, _h in SINKS)),
                function=name,
            )
        )
    outside = [n for n in outside if not (enclosing or {}).get(n)]
    if outside:
        snippet = _code(text_lines[outside[0] - 1] if outside[0] <= len(text_lines) else "", 80)
        module = posixpath.basename(path)
        questions.append(
            Question(
                key_group="*",
                prompt=(
                    f"The AI-written top-level code of {_bounded(path, 200)} (from line "
                    f"{outside[0]}: `{snippet}`): what does it set up when {module} is loaded, "
                    "and what would break if it ran twice or with a missing setting?"
                ),
                rationale=(
                    "Code outside functions runs on import. A good answer names what it "
                    "defines or configures."
                ),
                expected_terms=(),
                content_hash=_hash(
                    path, *(text_lines[n - 1] for n in outside if n <= len(text_lines))
                ),
                line=outside[0],
                risk=1,
            )
        )
    return questions


@dataclass(frozen=True)
class QuestionGroup:
    """What ranking needs of a function's questions: its group and their highest risk."""

    group: str
    risk: int


def question_groups(questions: Sequence[Question]) -> list[QuestionGroup]:
    """One file's questions as the groups `kept_groups` orders (in first-seen order)."""
    risks: dict[str, int] = {}
    for question in questions:
        group = question.function or question.key_group
        risks[group] = max(risks.get(group, question.risk), question.risk)
    return [QuestionGroup(group=group, risk=risk) for group, risk in risks.items()]


def kept_groups(groups: Sequence[tuple[str, QuestionGroup]], limit: int) -> set[tuple[str, str]]:
    """The (path, group) of the `limit` riskiest groups: highest risk first, then by path and
    group name."""
    ordered = sorted(groups, key=lambda item: (-item[1].risk, item[0], item[1].group))
    return {(path, group.group) for path, group in ordered[: max(limit, 0)]}
