"""Assumption challenges, pure: the implicit security beliefs of AI-written code, stated concretely.

For every AI-written added line ReviewBench names what the code silently assumes ("`name` (line 12)
never reaches the SQL in `cursor.execute` on line 14 unchecked"), so the reviewer has to say where
that is enforced. Python is read with `ast` (variables are resolved through assignments in the same
function); JavaScript/TypeScript, Java and Go, and Python that does not parse, by line patterns.

Everything read here is attacker-controlled source text: it is only parsed and matched against
fixed patterns, never executed, and every name quoted in a prompt is bounded and kept on one line.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from findings.engine.languages import language_for_path

MAX_FILE_BYTES = 1024 * 1024
MAX_ASSUMPTIONS = 200
KEY_MAX_LENGTH = 200  # ChecklistItem.key
NAME_LIMIT = 60
PATH_LIMIT = 200

SQL = "sql"
SHELL = "shell"
PATH = "path"
SSRF = "ssrf"
REDIRECT = "redirect"
TEMPLATE = "template"
DESERIALIZE = "deserialize"
REGEX = "regex"
ERROR_DETAILS = "error_details"
SECRET_COMPARE = "secret_compare"  # noqa: S105 - a kind name, not a secret
COOKIE_FLAGS = "cookie_flags"
UPLOAD = "upload"
PARSE = "parse"
TIMEOUT = "timeout"
AUTHZ = "authz"
CRYPTO = "crypto"
TLS_VERIFY = "tls_verify"
FILE_PERMISSIONS = "file_permissions"
LOG_INPUT = "log_input"

# Where user input must not arrive unchecked, per injection kind.
_SINK_WORDS = {
    SQL: "the SQL in",
    SHELL: "the shell command in",
    PATH: "the file path in",
    SSRF: "the URL fetched by (SSRF)",
    REDIRECT: "the redirect target of",
    TEMPLATE: "the HTML/template built by",
    DESERIALIZE: "the deserializer",
    REGEX: "the regular expression in (ReDoS)",
}

KINDS: tuple[str, ...] = (
    SQL,
    SHELL,
    PATH,
    SSRF,
    REDIRECT,
    TEMPLATE,
    DESERIALIZE,
    REGEX,
    ERROR_DETAILS,
    SECRET_COMPARE,
    COOKIE_FLAGS,
    UPLOAD,
    PARSE,
    TIMEOUT,
    AUTHZ,
    CRYPTO,
    TLS_VERIFY,
    FILE_PERMISSIONS,
    LOG_INPUT,
)

KIND_LABELS = {
    SQL: "SQL injection",
    SHELL: "Command injection",
    PATH: "Path traversal",
    SSRF: "Server-side request forgery",
    REDIRECT: "Open redirect",
    TEMPLATE: "HTML/template injection",
    DESERIALIZE: "Unsafe deserialization",
    REGEX: "Regular expression denial of service",
    ERROR_DETAILS: "Error details shown to the client",
    SECRET_COMPARE: "Secret compared in non-constant time",
    COOKIE_FLAGS: "Cookie without security flags",
    UPLOAD: "Unbounded upload",
    PARSE: "Unchecked parse or cast",
    TIMEOUT: "Outbound call without timeout",
    AUTHZ: "Endpoint without authentication or permission check",
    CRYPTO: "Weak hash or cipher",
    TLS_VERIFY: "TLS verification disabled",
    FILE_PERMISSIONS: "Overly open file permissions",
    LOG_INPUT: "User input written to logs",
}

KIND_CWE = {
    SQL: 89,
    SHELL: 78,
    PATH: 22,
    SSRF: 918,
    REDIRECT: 601,
    TEMPLATE: 79,
    DESERIALIZE: 502,
    REGEX: 1333,
    ERROR_DETAILS: 209,
    SECRET_COMPARE: 208,
    COOKIE_FLAGS: 614,
    UPLOAD: 434,
    PARSE: 20,
    TIMEOUT: 400,
    AUTHZ: 862,
    CRYPTO: 327,
    TLS_VERIFY: 295,
    FILE_PERMISSIONS: 732,
    LOG_INPUT: 117,
}


@dataclass(frozen=True)
class AssumptionSource:
    """One file to read: its text at head and the new-side line numbers an AI wrote."""

    path: str
    text: str
    ai_lines: frozenset[int]
    language: str | None = None


@dataclass(frozen=True)
class Assumption:
    key: str
    kind: str
    path: str
    line: int
    code: str
    prompt: str


@dataclass(frozen=True)
class _Hit:
    kind: str
    line: int
    sink: str = ""
    subject: str = ""  # "`name` (line 12)" or "`name`"
    extra: str = ""


# --- text helpers --------------------------------------------------------------------------------


def _name(text: str) -> str:
    text = " ".join(str(text).split()).replace("`", "'")
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def _path_text(path: str) -> str:
    path = " ".join(path.split())
    return path if len(path) <= PATH_LIMIT else path[: PATH_LIMIT - 1] + "…"


def normalise_code(line: str) -> str:
    """A code line without its indentation and repeated blanks: moving code keeps its key."""
    return " ".join(line.split())


def assumption_key(kind: str, path: str, code: str, occurrence: int = 1) -> str:
    """`assumption:<kind>:<path>:<hash of the normalised line>`, the path hashed when too long."""
    line_hash = hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()[:16]
    suffix = "" if occurrence == 1 else f":{occurrence}"
    key = f"assumption:{kind}:{path}:{line_hash}{suffix}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    path_hash = hashlib.sha256(path.encode("utf-8")).hexdigest()
    return f"assumption:{kind}:sha256:{path_hash}:{line_hash}{suffix}"


def assumption_prompt(hit: _Hit, path: str) -> str:
    where = f"in {_path_text(path)}"
    sink = f"`{_name(hit.sink)}`" if hit.sink else "this code"
    subject = hit.subject or "user input"
    line = hit.line
    if hit.kind == REGEX and hit.extra == "nested":
        return (
            f"The pattern in {sink} on line {line} (a nested quantifier) runs in linear time on "
            f"any input, no ReDoS ({where})."
        )
    if hit.kind in _SINK_WORDS:
        words = _SINK_WORDS[hit.kind]
        if "(" in words:
            phrase, _, note = words.partition(" (")
            target = f"{phrase} {sink} ({note}"
        else:
            target = f"{words} {sink}"
        text = f"{subject} never reaches {target} on line {line} unchecked ({where})."
        return text[:1].upper() + text[1:]
    templates = {
        ERROR_DETAILS: f"the error details in {subject} returned on line {line} are safe to show "
        f"the client ({where}).",
        SECRET_COMPARE: f"comparing {subject} with `==` on line {line} need not be constant-time "
        f"({where}).",
        COOKIE_FLAGS: f"the cookie set by {sink} on line {line} needs no {hit.extra} ({where}).",
        UPLOAD: f"the upload {hit.subject or 'handled by ' + sink} on line {line} has bounded "
        f"size and type ({where}).",
        PARSE: f"{sink} of {subject} on line {line} always succeeds and stays in range ({where}).",
        TIMEOUT: f"the outbound call {sink} on line {line} needs no timeout ({where}).",
        AUTHZ: f"the new endpoint {subject} on line {line} needs no authentication or "
        f"permission check ({where}).",
        CRYPTO: f"{sink} on line {line} is an adequate choice of hash or cipher ({where}).",
        TLS_VERIFY: f"turning TLS certificate verification off in {sink} on line {line} is safe "
        f"({where}).",
        FILE_PERMISSIONS: f"the permissions {hit.extra} set by {sink} on line {line} are not too "
        f"open ({where}).",
        LOG_INPUT: f"logging {subject} with {sink} on line {line} is safe: no forged log lines, "
        f"no secrets in logs ({where}).",
    }
    text = templates[hit.kind]
    return text[:1].upper() + text[1:]


# --- Python: AST ----------------------------------------------------------------------------------

_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "raw", "extra", "mogrify"})
_SQL_FUNCS = frozenset({"text", "RawSQL"})
_SHELL_CALLS = frozenset(
    {
        "os.system",
        "os.popen",
        "os.execl",
        "os.execlp",
        "os.execv",
        "os.execvp",
        "os.spawnl",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "commands.getoutput",
    }
)
_PATH_CALLS = frozenset(
    {
        "open",
        "io.open",
        "os.open",
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "os.listdir",
        "os.path.join",
        "shutil.rmtree",
        "shutil.copy",
        "shutil.copyfile",
        "shutil.move",
        "send_file",
        "send_from_directory",
        "FileResponse",
        "Path",
        "pathlib.Path",
        "tarfile.open",
        "zipfile.ZipFile",
    }
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_HTTP_MODULES = frozenset({"requests", "httpx", "session", "client", "http", "urllib3"})
_URL_CALLS = frozenset({"urlopen", "urllib.request.urlopen", "urllib.request.Request"})
_REDIRECT_CALLS = frozenset(
    {"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse"}
)
_TEMPLATE_CALLS = frozenset(
    {
        "mark_safe",
        "Markup",
        "markupsafe.Markup",
        "render_template_string",
        "Template",
        "jinja2.Template",
        "SafeString",
        "HttpResponse",
        "HTMLResponse",
    }
)
_DESERIALIZE_CALLS = frozenset(
    {
        "pickle.loads",
        "pickle.load",
        "cPickle.loads",
        "marshal.loads",
        "shelve.open",
        "jsonpickle.decode",
        "dill.loads",
        "yaml.load",
        "yaml.unsafe_load",
        "yaml.full_load",
    }
)
_REGEX_FUNCS = frozenset(
    {"compile", "match", "search", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
)
_PARSE_CALLS = frozenset(
    {
        "int",
        "float",
        "Decimal",
        "decimal.Decimal",
        "json.loads",
        "datetime.strptime",
        "datetime.fromisoformat",
        "date.fromisoformat",
        "uuid.UUID",
        "UUID",
        "ipaddress.ip_address",
    }
)
_RESPONSE_CALLS = frozenset(
    {"JsonResponse", "HttpResponse", "jsonify", "Response", "make_response", "JSONResponse"}
)
_WEAK_CRYPTO = frozenset(
    {
        "hashlib.md5",
        "hashlib.sha1",
        "md5",
        "sha1",
        "DES.new",
        "DES3.new",
        "ARC4.new",
        "ARC2.new",
        "Blowfish.new",
        "algorithms.TripleDES",
        "algorithms.ARC4",
        "algorithms.Blowfish",
        "modes.ECB",
    }
)
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical"})
_LOG_OWNERS = frozenset({"logger", "logging", "log", "LOGGER", "_logger", "app.logger"})
_ROUTE_DECORATORS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "api_view",
        "require_GET",
        "require_POST",
        "require_http_methods",
        "require_safe",
        "csrf_exempt",
        "action",
    }
)
_AUTH_WORDS = re.compile(
    r"login_required|permission_required|user_passes_test|staff_member_required|"
    r"jwt_required|auth_required|requires_auth|authenticated|permission_classes|"
    r"has_perm|Depends|Security|IsAuthenticated|roles_required|require_login",
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(
    r"(token|secret|password|passwd|signature|digest|hmac|api_?key|\bmac\b|otp|nonce|csrf)",
    re.IGNORECASE,
)
_USER_INPUT_ATTRS = frozenset(
    {
        "GET",
        "POST",
        "args",
        "form",
        "json",
        "data",
        "values",
        "headers",
        "cookies",
        "COOKIES",
        "META",
        "query_params",
        "body",
        "FILES",
        "files",
        "path_params",
    }
)
_USER_ROOTS = frozenset({"request", "req", "self.request", "flask.request"})
_UPLOAD_CHECK = re.compile(
    r"\.size\b|content_type|mimetype|content_length|MAX_|max_size|guess_type"
)


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a name or attribute chain; `…` inside for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[…]"
    return "…"


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _expr_names(node: ast.AST) -> list[str]:
    """Variables read by an expression, in source order; called function names are left out."""
    names: list[str] = []

    def visit(current: ast.AST) -> None:
        if isinstance(current, ast.Call):
            # The callee is not data; its receiver (e.g. `request` in `request.args.get`) is.
            if isinstance(current.func, ast.Attribute):
                visit(current.func.value)
            for argument in [*current.args, *(k.value for k in current.keywords)]:
                visit(argument)
            return
        if isinstance(current, ast.Name):
            if current.id not in names:
                names.append(current.id)
            return
        if isinstance(current, ast.Attribute):
            dotted = _dotted(current)
            root = dotted.split(".", 1)[0]
            if root == "self" and "." in dotted:
                key = ".".join(dotted.split(".")[:2])
                if key not in names:
                    names.append(key)
                return
            visit(current.value)
            return
        for child in ast.iter_child_nodes(current):
            visit(child)

    visit(node)
    return names


def _is_dynamic(node: ast.expr | None) -> bool:
    return node is not None and bool(_expr_names(node))


def _reads_user_input(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in _USER_INPUT_ATTRS:
            return True
        if isinstance(child, ast.Name) and child.id in _USER_ROOTS:
            return True
    return False


@dataclass
class _Scope:
    """Assignments and parameters of one function (or the module), for resolving names."""

    assignments: dict[str, list[tuple[int, ast.AST]]]
    parameters: dict[str, int]


def _scope_of(node: ast.AST) -> _Scope:
    assignments: dict[str, list[tuple[int, ast.AST]]] = {}
    parameters: dict[str, int] = {}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = node.args
        for argument in [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *([arguments.vararg] if arguments.vararg else []),
            *([arguments.kwarg] if arguments.kwarg else []),
        ]:
            parameters[argument.arg] = argument.lineno

    def record(target: ast.AST, value: ast.AST, line: int) -> None:
        if isinstance(target, ast.Name):
            assignments.setdefault(target.id, []).append((line, value))
        elif isinstance(target, ast.Attribute) and _dotted(target).startswith("self."):
            assignments.setdefault(".".join(_dotted(target).split(".")[:2]), []).append(
                (line, value)
            )
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                record(element, value, line)

    def walk(current: ast.AST) -> None:
        for child in ast.iter_child_nodes(current):
            if isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ):
                continue  # inner scopes resolve their own names
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    record(target, child.value, child.lineno)
            elif isinstance(child, ast.AnnAssign | ast.AugAssign) and child.value is not None:
                record(child.target, child.value, child.lineno)
            elif isinstance(child, ast.NamedExpr):
                record(child.target, child.value, child.lineno)
            elif isinstance(child, ast.For | ast.AsyncFor):
                record(child.target, child.iter, child.lineno)
            elif isinstance(child, ast.With | ast.AsyncWith):
                for item in child.items:
                    if item.optional_vars is not None:
                        record(item.optional_vars, item.context_expr, child.lineno)
            walk(child)

    walk(node)
    return _Scope(assignments=assignments, parameters=parameters)


def _origin(scope: _Scope, name: str, before: int, depth: int = 0) -> tuple[str, int | None]:
    """The variable the value of `name` comes from: follow assignments back to the last local
    name before a parameter, a request read or a global (e.g. `query` → `name`, line 12)."""
    assigned = [entry for entry in scope.assignments.get(name, []) if entry[0] <= before]
    if not assigned:
        return name, scope.parameters.get(name)
    line, value = assigned[-1]
    if depth >= 6 or _reads_user_input(value):
        return name, line
    for inner in _expr_names(value):
        if inner == name:
            continue
        if inner in scope.assignments or inner in scope.parameters:
            return _origin(scope, inner, line, depth + 1)
    return name, line


def _subject(scope: _Scope, node: ast.expr | None, line: int) -> str:
    if node is None:
        return ""
    names = _expr_names(node)
    if not names:
        return ""
    # Prefer a name that carries data into the sink over loop counters or module constants.
    chosen = next((n for n in names if n in scope.assignments or n in scope.parameters), names[0])
    origin, origin_line = _origin(scope, chosen, line)
    if origin in _USER_ROOTS or origin_line is None:
        return f"`{_name(_dotted(node) if not isinstance(node, ast.JoinedStr) else origin)}`"
    return f"`{_name(origin)}` (line {origin_line})"


def _callee(call: ast.Call) -> tuple[str, str]:
    """(dotted callee, last segment) of a call."""
    dotted = _dotted(call.func)
    return dotted, dotted.rsplit(".", 1)[-1]


def _first_arg(call: ast.Call) -> ast.expr | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def _inside_try(stack: Sequence[ast.AST]) -> bool:
    for parent, child in itertools.pairwise(stack):
        if isinstance(parent, ast.Try) and child in parent.body and parent.handlers:
            return True
    return False


_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]")


def _call_hits(
    call: ast.Call, scope: _Scope, stack: Sequence[ast.AST], function_text: str
) -> list[_Hit]:
    dotted, last = _callee(call)
    line = call.lineno
    hits: list[_Hit] = []
    first = _first_arg(call)
    owner = dotted.rsplit(".", 1)[0] if "." in dotted else ""

    def injection(kind: str, argument: ast.expr | None) -> None:
        if _is_dynamic(argument):
            hits.append(_Hit(kind, line, dotted, _subject(scope, argument, line)))

    if (last in _SQL_METHODS and owner) or dotted in _SQL_FUNCS:
        injection(SQL, first)
    if dotted in _SHELL_CALLS:
        shell_kw = _kwarg(call, "shell")
        if _is_true(shell_kw) or dotted.startswith("os.") or _is_dynamic(first):
            injection(SHELL, first if first is not None else _kwarg(call, "args"))
    if dotted in _PATH_CALLS:
        # os.path.join(BASE, name): the later parts are the ones that escape the base.
        arguments = call.args[1:] if dotted == "os.path.join" else call.args[:1]
        dynamic = [a for a in arguments if _is_dynamic(a)]
        if dynamic:
            hits.append(_Hit(PATH, line, dotted, _subject(scope, dynamic[0], line)))
    is_http = (owner.split(".")[-1] in _HTTP_MODULES and last in _HTTP_VERBS) or dotted in (
        _URL_CALLS
    )
    if is_http:
        url = call.args[1] if last == "request" and len(call.args) > 1 else first
        url = url if url is not None else _kwarg(call, "url")
        injection(SSRF, url)
        # httpx applies a 5 s default timeout; requests and urllib wait forever without one.
        waits_forever = _kwarg(call, "timeout") is None and (
            owner.split(".")[0] in ("requests", "urllib3")
            or (dotted in _URL_CALLS and dotted != "urllib.request.Request" and len(call.args) < 3)
        )
        if waits_forever:
            hits.append(_Hit(TIMEOUT, line, dotted))
        if _is_false(_kwarg(call, "verify")):
            hits.append(_Hit(TLS_VERIFY, line, dotted))
    elif _is_false(_kwarg(call, "verify")):
        hits.append(_Hit(TLS_VERIFY, line, dotted))
    if last in _REDIRECT_CALLS or dotted in _REDIRECT_CALLS:
        injection(REDIRECT, first)
    if dotted in _TEMPLATE_CALLS or last in ("mark_safe", "render_template_string"):
        argument = first
        if last in ("HttpResponse", "HTMLResponse"):
            # Only markup assembled from values is interesting, not HttpResponse(body_bytes).
            if not isinstance(argument, ast.JoinedStr | ast.BinOp) and not (
                isinstance(argument, ast.Call) and _dotted(argument.func).endswith(".format")
            ):
                argument = None
        injection(TEMPLATE, argument)
    if dotted in _DESERIALIZE_CALLS:
        loader = _kwarg(call, "Loader")
        safe_yaml = dotted == "yaml.load" and (
            (loader is not None and "Safe" in _dotted(loader))
            or (len(call.args) > 1 and "Safe" in _dotted(call.args[1]))
        )
        if not safe_yaml and first is not None:
            subject = _subject(scope, first, line)
            hits.append(_Hit(DESERIALIZE, line, dotted, subject))
    if owner in ("re", "regex") and last in _REGEX_FUNCS and first is not None:
        if _is_dynamic(first):
            injection(REGEX, first)
        elif isinstance(first, ast.Constant) and isinstance(first.value, str):
            if _NESTED_QUANTIFIER.search(first.value):
                hits.append(_Hit(REGEX, line, dotted, extra="nested"))
    if last == "set_cookie":
        missing = [
            flag
            for flag, keyword in (("Secure", "secure"), ("HttpOnly", "httponly"))
            if not _is_true(_kwarg(call, keyword))
        ]
        samesite = _kwarg(call, "samesite")
        if samesite is None or (
            isinstance(samesite, ast.Constant) and samesite.value in (None, "None")
        ):
            missing.append("SameSite")
        if missing:
            extra = "/".join(missing) + (" flag" if len(missing) == 1 else " flags")
            hits.append(_Hit(COOKIE_FLAGS, line, dotted, extra=extra))
    if dotted in _PARSE_CALLS and _is_dynamic(first) and not _inside_try(stack):
        hits.append(_Hit(PARSE, line, dotted, _subject(scope, first, line)))
    if dotted in _WEAK_CRYPTO or (
        dotted == "hashlib.new"
        and isinstance(first, ast.Constant)
        and str(first.value).lower() in ("md5", "sha1", "md4")
    ):
        hits.append(_Hit(CRYPTO, line, dotted))
    if dotted in ("ssl._create_unverified_context",):
        hits.append(_Hit(TLS_VERIFY, line, dotted))
    if dotted in ("os.chmod", "os.makedirs", "os.mkdir", "os.fchmod", "os.open") or last == "chmod":
        mode = _kwarg(call, "mode")
        if mode is None:
            position = {"os.open": 2, "os.makedirs": 1, "os.mkdir": 1}.get(dotted, 1)
            mode = call.args[position] if len(call.args) > position else None
        if isinstance(mode, ast.Constant) and isinstance(mode.value, int) and mode.value & 0o022:
            hits.append(_Hit(FILE_PERMISSIONS, line, dotted, extra=f"`{oct(mode.value)}`"))
    if dotted == "os.umask" and isinstance(first, ast.Constant) and first.value == 0:
        hits.append(_Hit(FILE_PERMISSIONS, line, dotted, extra="`umask 0`"))
    if last in _LOG_METHODS and (owner in _LOG_OWNERS or owner.endswith("logger")):
        for argument in call.args:
            if _is_dynamic(argument) and _reads_user_input_resolved(argument, scope, line):
                hits.append(_Hit(LOG_INPUT, line, dotted, _subject(scope, argument, line)))
                break
    if (last in ("get", "__getitem__") and owner.endswith(("FILES", ".files"))) and not (
        _UPLOAD_CHECK.search(function_text)
    ):
        hits.append(_Hit(UPLOAD, line, dotted, f"`{_name(dotted)}`"))
    return hits


def _reads_user_input_resolved(node: ast.AST, scope: _Scope, line: int, depth: int = 0) -> bool:
    if _reads_user_input(node):
        return True
    if depth >= 6:
        return False
    for name in _expr_names(node):
        assigned = [entry for entry in scope.assignments.get(name, []) if entry[0] <= line]
        if assigned and _reads_user_input_resolved(
            assigned[-1][1], scope, assigned[-1][0], depth + 1
        ):
            return True
    return False


def _function_hits(function: ast.AST, text_lines: Sequence[str]) -> list[_Hit]:
    """Endpoint and error-handling assumptions that need the whole function."""
    hits: list[_Hit] = []
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        decorators = [
            _dotted(d.func if isinstance(d, ast.Call) else d) for d in function.decorator_list
        ]
        routed = any(
            ("." in d and d.rsplit(".", 1)[-1] in _ROUTE_DECORATORS)
            or d
            in (
                "api_view",
                "require_GET",
                "require_POST",
                "require_http_methods",
                "require_safe",
                "csrf_exempt",
            )
            for d in decorators
        )
        arguments = [a.arg for a in function.args.args]
        django_view = bool(arguments) and arguments[0] == "request"
        if routed or django_view:
            start = (
                function.decorator_list[0].lineno if function.decorator_list else function.lineno
            )
            end = getattr(function, "end_lineno", function.lineno) or function.lineno
            source = "\n".join(text_lines[start - 1 : end])
            if not _AUTH_WORDS.search(source):
                hits.append(_Hit(AUTHZ, function.lineno, subject=f"`{_name(function.name)}`"))
    return hits


def _handler_hits(handler: ast.ExceptHandler) -> list[_Hit]:
    hits: list[_Hit] = []
    name = handler.name
    for node in ast.walk(handler):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
        elif isinstance(node, ast.Call) and _callee(node)[1] in _RESPONSE_CALLS:
            value = node
        else:
            continue
        leaks = False
        for child in ast.walk(value):
            if isinstance(child, ast.Name) and name and child.id == name:
                leaks = True
            if isinstance(child, ast.Call) and _dotted(child.func) in (
                "traceback.format_exc",
                "traceback.format_exception",
            ):
                leaks = True
        if leaks:
            subject = f"`{_name(name)}`" if name else "`traceback.format_exc()`"
            hits.append(_Hit(ERROR_DETAILS, node.lineno, subject=subject))
    return hits


def _compare_hits(node: ast.Compare, scope: _Scope) -> list[_Hit]:
    if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
        return []
    operands = [node.left, *node.comparators]
    if any(isinstance(o, ast.Constant) for o in operands):
        return []
    secret = next((o for o in operands if _SECRET_NAME.search(_dotted(o))), None)
    if secret is None:
        return []
    return [_Hit(SECRET_COMPARE, node.lineno, subject=f"`{_name(_dotted(secret))}`")]


def _python_hits(text: str) -> list[_Hit]:
    tree = ast.parse(text)
    lines = text.splitlines()
    hits: list[_Hit] = []

    def visit(node: ast.AST, stack: list[ast.AST], scope: _Scope, function_text: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scope = _scope_of(node)
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            function_text = "\n".join(lines[node.lineno - 1 : end])
            hits.extend(_function_hits(node, lines))
        if isinstance(node, ast.Call):
            hits.extend(_call_hits(node, scope, stack, function_text))
        elif isinstance(node, ast.Compare):
            hits.extend(_compare_hits(node, scope))
        elif isinstance(node, ast.ExceptHandler):
            hits.extend(_handler_hits(node))
        elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith(("FILES", ".files")):
            if not _UPLOAD_CHECK.search(function_text):
                hits.append(_Hit(UPLOAD, node.lineno, subject=f"`{_name(_dotted(node))}`"))
        stack.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child, stack, scope, function_text)
        stack.pop()

    visit(tree, [], _scope_of(tree), text)
    return hits


# --- other languages (and Python that does not parse): line patterns ----------------------------

_IDENT = r"[A-Za-z_$][\w$]*"


@dataclass(frozen=True)
class _LineRule:
    kind: str
    languages: frozenset[str]
    pattern: re.Pattern[str]
    sink: str
    unless: re.Pattern[str] | None = None
    extra: str = ""


def _rule(
    kind: str,
    languages: str,
    pattern: str,
    sink: str,
    unless: str | None = None,
    extra: str = "",
) -> _LineRule:
    return _LineRule(
        kind,
        frozenset(languages.split()),
        re.compile(pattern),
        sink,
        re.compile(unless) if unless else None,
        extra,
    )


_JS = "javascript typescript"
_ALL = "javascript typescript java go python"
# `(?P<var>…)` names the variable when the pattern can see it; otherwise the line is quoted.
_LINE_RULES: tuple[_LineRule, ...] = (
    _rule(SQL, _JS, r"\.(?:query|execute|raw)\s*\(\s*`[^`]*\$\{\s*(?P<var>[\w$.]+)", "query"),
    _rule(
        SQL,
        _JS,
        r"\.(?:query|execute|raw)\s*\(\s*['\"][^'\"]*['\"]\s*\+\s*(?P<var>[\w$.]+)",
        "query",
    ),
    _rule(
        SQL,
        "java",
        r"\.(?:executeQuery|executeUpdate|execute|prepareStatement|createQuery|createNativeQuery)\s*\(\s*\"[^\"]*\"\s*\+\s*(?P<var>\w[\w.]*)",
        "executeQuery",
    ),
    _rule(
        SQL,
        "go",
        r"\.(?:Query|QueryRow|Exec|QueryContext|ExecContext)\s*\(\s*(?:ctx\s*,\s*)?(?:fmt\.Sprintf\(|\"[^\"]*\"\s*\+\s*)(?P<var>[\w.]*)",
        "db.Query",
    ),
    _rule(
        SQL,
        "python",
        r"\.execute(?:many)?\s*\(\s*f?['\"].*(?:%|\{|\+)",
        "execute",
        unless=r"\.execute\s*\(\s*['\"][^'\"]*['\"]\s*,",
    ),
    _rule(
        SHELL,
        _JS,
        r"\b(?:exec|execSync|spawn|spawnSync|execFile)\s*\(\s*(?P<var>[`\w$.]+)",
        "child_process.exec",
        unless=r"\b(?:exec|execSync|spawn|execFile)\s*\(\s*['\"][^'\"$]*['\"]\s*[,)]",
    ),
    _rule(
        SHELL,
        "java",
        r"Runtime\.getRuntime\(\)\.exec\s*\(\s*(?P<var>[\w.\"+ ]+)"
        r"|new\s+ProcessBuilder\s*\(\s*(?P<var2>\w+)",
        "Runtime.exec",
    ),
    _rule(
        SHELL,
        "go",
        r"exec\.Command(?:Context)?\s*\(\s*(?:ctx\s*,\s*)?(?:\"[^\"]*\"\s*,\s*)*(?P<var>[A-Za-z_][\w.]*)",
        "exec.Command",
        unless=r"exec\.Command(?:Context)?\s*\((?:ctx\s*,\s*)?\"[^\"]*\"\s*(?:,\s*\"[^\"]*\"\s*)*\)",
    ),
    _rule(
        SHELL,
        "python",
        r"\b(?:os\.system|os\.popen|subprocess\.\w+)\s*\(.*(?:shell\s*=\s*True|f['\"]|\+)",
        "subprocess",
    ),
    _rule(
        PATH,
        _JS,
        r"\b(?:fs\.\w+|readFile\w*|createReadStream|sendFile|path\.(?:join|resolve))\s*\(.*\b(?P<var>req\.[\w.]+)",
        "fs",
    ),
    _rule(
        PATH,
        "java",
        r"new\s+(?:File|FileInputStream|FileReader)\s*\(\s*[^)]*?(?P<var>\b(?!\")\w+)\s*\)|Paths\.get\s*\(.*\+\s*(?P<var2>\w+)",
        "new File",
    ),
    _rule(
        PATH,
        "go",
        r"(?:os\.(?:Open|ReadFile|Create|WriteFile|Remove)|filepath\.Join|ioutil\.ReadFile)\s*\(\s*(?:\"[^\"]*\"\s*,\s*)?(?P<var>[A-Za-z_][\w.]*)",
        "os.Open",
    ),
    _rule(
        SSRF,
        _JS,
        r"\b(?:fetch|axios(?:\.\w+)?|got|http\.get|https\.get|request)\s*\(\s*(?P<var>[`\w$.]+)",
        "fetch",
        unless=r"\b(?:fetch|axios(?:\.\w+)?|got|http\.get|https\.get|request)\s*\(\s*['\"]",
    ),
    _rule(
        SSRF,
        "java",
        r"new\s+URL\s*\(\s*(?P<var>\w[\w.]*)\s*\)|restTemplate\.\w+\(\s*(?P<var2>\w[\w.]*)",
        "new URL",
    ),
    _rule(
        SSRF,
        "go",
        r"http\.(?:Get|Post|Head|NewRequest(?:WithContext)?)\s*\(\s*(?:ctx\s*,\s*)?(?:\"\w+\"\s*,\s*)?(?P<var>[A-Za-z_][\w.]*)",
        "http.Get",
    ),
    _rule(
        REDIRECT,
        _JS,
        r"\.redirect\s*\(\s*(?:\d+\s*,\s*)?(?P<var>req\.[\w.]+|[A-Za-z_$][\w$.]*)\s*\)",
        "res.redirect",
        unless=r"\.redirect\s*\(\s*(?:\d+\s*,\s*)?['\"]",
    ),
    _rule(
        REDIRECT,
        "java",
        r"sendRedirect\s*\(\s*(?P<var>\w[\w.()]*)",
        "sendRedirect",
        unless=r"sendRedirect\s*\(\s*\"",
    ),
    _rule(
        REDIRECT,
        "go",
        r"http\.Redirect\s*\(\s*\w+\s*,\s*\w+\s*,\s*(?P<var>[A-Za-z_][\w.()]*)",
        "http.Redirect",
    ),
    _rule(
        TEMPLATE,
        _JS,
        r"\.(?:innerHTML|outerHTML)\s*\+?=\s*(?P<var>[`\w$.]+)|dangerouslySetInnerHTML|document\.write\s*\(",
        "innerHTML",
        unless=r"\.innerHTML\s*=\s*['\"][^'\"]*['\"]\s*;?\s*$",
    ),
    _rule(TEMPLATE, "go", r"template\.HTML\s*\(\s*(?P<var>[A-Za-z_][\w.]*)", "template.HTML"),
    _rule(
        TEMPLATE,
        "java",
        r"getWriter\(\)\.(?:print|println|write)\s*\(.*\+\s*(?P<var>\w+)",
        "getWriter().print",
    ),
    _rule(
        DESERIALIZE,
        "java",
        r"new\s+ObjectInputStream\s*\(|\.readObject\s*\(|XMLDecoder\s*\(",
        "ObjectInputStream",
    ),
    _rule(
        DESERIALIZE,
        _JS,
        r"\b(?:unserialize|deserialize|yaml\.load)\s*\(\s*(?P<var>[\w$.]+)|\beval\s*\(\s*(?P<var2>[\w$.]+)",
        "deserialize",
    ),
    _rule(DESERIALIZE, "go", r"gob\.NewDecoder\s*\(|yaml\.Unmarshal\s*\(", "gob.NewDecoder"),
    _rule(
        DESERIALIZE,
        "python",
        r"\b(?:pickle\.loads?|marshal\.loads|yaml\.load|jsonpickle\.decode)\s*\(",
        "pickle.loads",
        unless=r"SafeLoader|safe_load",
    ),
    _rule(REGEX, _JS, r"new\s+RegExp\s*\(\s*(?P<var>[\w$.]+)", "new RegExp"),
    _rule(
        REGEX,
        "java",
        r"Pattern\.compile\s*\(\s*(?P<var>[A-Za-z_]\w*)|\.matches\s*\(\s*(?P<var2>[A-Za-z_]\w*)\s*\)",
        "Pattern.compile",
    ),
    _rule(
        REGEX,
        "go",
        r"regexp\.(?:MustCompile|Compile)\s*\(\s*(?P<var>[A-Za-z_][\w.]*)",
        "regexp.Compile",
    ),
    _rule(
        ERROR_DETAILS,
        _JS,
        r"\bres\.(?:send|json|status\(\d+\)\.(?:send|json))\s*\(.*\b(?P<var>err(?:or)?)(?:\.(?:message|stack))?\b",
        "res.send",
    ),
    _rule(
        ERROR_DETAILS, "go", r"http\.Error\s*\(\s*\w+\s*,\s*(?P<var>err)\.Error\(\)", "http.Error"
    ),
    _rule(
        ERROR_DETAILS,
        "java",
        r"(?:getWriter\(\)\.print\w*|ResponseEntity\.\w+\(\)\.body)\s*\(.*\b(?P<var>e|ex)\.(?:getMessage|toString)\(\)|printStackTrace\s*\(\s*\w+\.getWriter",
        "ResponseEntity.body",
    ),
    _rule(
        SECRET_COMPARE,
        _JS,
        r"(?P<var>\b[\w$.]*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac|[Aa]pi[Kk]ey)[\w$.]*)\s*[!=]==?\s*[\w$.]+(?!['\"])",
        "===",
    ),
    _rule(
        SECRET_COMPARE,
        "java",
        r"(?P<var>\b\w*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac)\w*)\.equals\s*\(",
        "equals",
    ),
    _rule(
        SECRET_COMPARE,
        "go",
        r"(?P<var>\b\w*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac|MAC)\w*)\s*[!=]=\s*\w+|bytes\.Equal\s*\(\s*(?P<var2>\w*(?:[Tt]oken|[Ss]ecret|[Ss]ig|[Mm]ac)\w*)",
        "==",
    ),
    _rule(
        COOKIE_FLAGS,
        _JS,
        r"\.cookie\s*\(",
        "res.cookie",
        unless=r"httpOnly\s*:\s*true.*secure\s*:\s*true|secure\s*:\s*true.*httpOnly\s*:\s*true",
        extra="Secure/HttpOnly/SameSite flags",
    ),
    _rule(COOKIE_FLAGS, "java", r"new\s+Cookie\s*\(", "new Cookie", extra="Secure/HttpOnly flags"),
    _rule(
        COOKIE_FLAGS,
        "go",
        r"http\.Cookie\s*\{",
        "http.Cookie",
        unless=r"HttpOnly:\s*true.*Secure:\s*true|Secure:\s*true.*HttpOnly:\s*true",
        extra="Secure/HttpOnly/SameSite flags",
    ),
    _rule(
        UPLOAD,
        _JS,
        r"\bmulter\s*\((?![^)]*limits)|upload\.(?:single|array|any)\s*\(|req\.files?\b",
        "multer",
    ),
    _rule(UPLOAD, "java", r"MultipartFile\s+(?P<var>\w+)", "MultipartFile"),
    _rule(UPLOAD, "go", r"\.FormFile\s*\(|ParseMultipartForm\s*\(", "FormFile"),
    _rule(
        PARSE,
        _JS,
        r"\b(?:parseInt|parseFloat|Number|JSON\.parse)\s*\(\s*(?P<var>[\w$.]+)",
        "parseInt",
    ),
    _rule(
        PARSE,
        "java",
        r"(?:Integer\.parseInt|Long\.parseLong|Double\.parseDouble|Integer\.valueOf)\s*\(\s*(?P<var>[\w.()]+)",
        "Integer.parseInt",
    ),
    _rule(
        PARSE,
        "go",
        r"strconv\.(?:Atoi|ParseInt|ParseUint|ParseFloat)\s*\(\s*(?P<var>[\w.()]+)[^)]*\)",
        "strconv.Atoi",
    ),
    _rule(TIMEOUT, "go", r"http\.(?:Get|Post|Head)\s*\(|&?http\.Client\s*\{\s*\}", "http.Get"),
    _rule(TIMEOUT, _JS, r"\b(?:fetch|axios\.\w+|got)\s*\(", "fetch", unless=r"signal|timeout"),
    _rule(
        TIMEOUT, "java", r"HttpClient\.newHttpClient\s*\(|openConnection\s*\(\s*\)", "HttpClient"
    ),
    _rule(
        TIMEOUT,
        "python",
        r"\brequests\.(?:get|post|put|patch|delete|head|request)\s*\(",
        "requests",
        unless=r"timeout\s*=",
    ),
    _rule(
        AUTHZ,
        _JS,
        r"\b(?:app|router)\.(?:get|post|put|patch|delete|all)\s*\(\s*['\"`](?P<var>[^'\"`]+)['\"`]\s*,\s*(?:async\s*)?\(?\s*(?:req|request)\b",
        "app.get",
    ),
    _rule(
        AUTHZ,
        "java",
        r"@(?:Get|Post|Put|Delete|Patch|Request)Mapping\b(?:\s*\(\s*(?:value\s*=\s*)?\"(?P<var>[^\"]*)\")?",
        "@GetMapping",
        unless=r"@PreAuthorize|@Secured|@RolesAllowed",
    ),
    _rule(
        AUTHZ,
        "go",
        r"(?:http\.HandleFunc|\.HandleFunc|\.(?:GET|POST|PUT|DELETE)|mux\.Handle)\s*\(\s*\"(?P<var>[^\"]+)\"",
        "http.HandleFunc",
        unless=r"[Aa]uth|[Ss]ession|RequireLogin",
    ),
    _rule(
        CRYPTO,
        _JS,
        r"createHash\s*\(\s*['\"](?:md5|sha1)['\"]|createCipheriv?\s*\(\s*['\"](?:des|rc4|aes-\d+-ecb|bf)",
        "crypto.createHash",
    ),
    _rule(
        CRYPTO,
        "java",
        r"MessageDigest\.getInstance\s*\(\s*\"(?:MD5|SHA-?1)\"|Cipher\.getInstance\s*\(\s*\"(?:DES|RC4|AES/ECB|AES\")",
        "MessageDigest.getInstance",
    ),
    _rule(CRYPTO, "go", r"\b(?:md5|sha1|des|rc4)\.(?:New|Sum|NewCipher)\w*\s*\(", "md5.New"),
    _rule(
        CRYPTO,
        "python",
        r"hashlib\.(?:md5|sha1)\s*\(|\b(?:DES|ARC4|Blowfish)\.new\s*\(|MODE_ECB",
        "hashlib.md5",
    ),
    _rule(
        TLS_VERIFY,
        _JS,
        r"rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED",
        "rejectUnauthorized",
    ),
    _rule(TLS_VERIFY, "go", r"InsecureSkipVerify\s*:\s*true", "tls.Config"),
    _rule(
        TLS_VERIFY,
        "java",
        r"TrustAllCerts|X509TrustManager\s*\(|NoopHostnameVerifier|ALLOW_ALL_HOSTNAME_VERIFIER",
        "TrustManager",
    ),
    _rule(
        TLS_VERIFY,
        "python",
        r"verify\s*=\s*False|CERT_NONE|_create_unverified_context",
        "verify=False",
    ),
    _rule(
        FILE_PERMISSIONS,
        _JS,
        r"(?:chmod\w*|writeFile\w*|mkdir\w*)\s*\(.*\b0o?(?P<var>[0-7]?[0-7][2367][2367])\b",
        "fs.chmod",
    ),
    _rule(
        FILE_PERMISSIONS,
        "go",
        r"(?:os\.(?:Chmod|WriteFile|MkdirAll|Mkdir|OpenFile)|ioutil\.WriteFile)\s*\(.*\b0(?P<var>[0-7][2367][2367]|[0-7][0-7][2367])\b",
        "os.WriteFile",
    ),
    _rule(
        FILE_PERMISSIONS,
        "java",
        r"PosixFilePermissions\.fromString\s*\(\s*\"(?P<var>[rwx-]{7}w[x-]|[rwx-]{4}w[rwx-]{4})\"|setWritable\s*\(\s*true\s*,\s*false\s*\)",
        "setPosixFilePermissions",
    ),
    _rule(
        FILE_PERMISSIONS,
        "python",
        r"os\.chmod\s*\(.*0o?7[0-7][2367]|os\.umask\s*\(\s*0\s*\)",
        "os.chmod",
    ),
    _rule(
        LOG_INPUT,
        _JS,
        r"\b(?:console\.(?:log|info|warn|error)|logger\.\w+)\s*\(.*\breq\.(?P<var>(?:body|query|params|headers|cookies)[\w.\[\]'\"]*)",
        "console.log",
    ),
    _rule(
        LOG_INPUT,
        "java",
        r"\b(?:log|logger|LOG|LOGGER)\.(?:info|debug|warn|error)\s*\(.*(?:request\.getParameter|getHeader)\s*\(\s*\"(?P<var>[^\"]*)\"",
        "logger.info",
    ),
    _rule(
        LOG_INPUT,
        "go",
        r"\blog\.(?:Printf|Println|Print)\s*\(.*\br\.(?P<var>(?:URL\.Query\(\)\.Get|FormValue|Header\.Get)\([^)]*\))",
        "log.Printf",
    ),
    _rule(
        LOG_INPUT,
        "python",
        r"\b(?:logger|logging|log)\.\w+\s*\(.*\brequest\.(?P<var>(?:GET|POST|args|form|json|headers|data)[\w.\[\]'\"]*)",
        "logger.info",
    ),
)


def _line_hits(text: str, language: str, lines_to_read: Iterable[int]) -> list[_Hit]:
    lines = text.splitlines()
    hits: list[_Hit] = []
    for number in sorted(lines_to_read):
        if number < 1 or number > len(lines):
            continue
        line = lines[number - 1]
        if len(line) > 2000:
            continue  # minified or generated: no statement a reviewer could reason about
        for rule in _LINE_RULES:
            if language not in rule.languages:
                continue
            match = rule.pattern.search(line)
            if match is None or (rule.unless is not None and rule.unless.search(line)):
                continue
            groups = match.groupdict()
            variable = (groups.get("var") or groups.get("var2") or "").strip(" `\"'")
            while variable.endswith(")") and variable.count(")") > variable.count("("):
                variable = variable[:-1]
            subject = f"`{_name(variable)}`" if variable else ""
            extra = rule.extra or (
                f"`0{variable}`" if rule.kind == FILE_PERMISSIONS and variable else ""
            )
            if rule.kind == AUTHZ:
                subject = f"`{_name(variable)}`" if variable else f"`{_name(normalise_code(line))}`"
            hits.append(_Hit(rule.kind, number, rule.sink, subject, extra))
    return hits


# --- the entry point ------------------------------------------------------------------------------


def assumptions_for_file(source: AssumptionSource) -> list[Assumption]:
    """Assumptions of one file's AI-written lines, in line order, deduplicated per (kind, line)."""
    if not source.ai_lines or len(source.text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return []
    language = source.language or language_for_path(source.path)
    if language not in ("python", "javascript", "typescript", "java", "go"):
        return []
    hits: list[_Hit]
    if language == "python":
        try:
            hits = _python_hits(source.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            hits = _line_hits(source.text, language, source.ai_lines)
    else:
        hits = _line_hits(source.text, language, source.ai_lines)
    lines = source.text.splitlines()
    results: list[Assumption] = []
    seen: set[tuple[str, int]] = set()
    occurrences: dict[str, int] = {}
    for hit in sorted(hits, key=lambda h: (h.line, KINDS.index(h.kind))):
        if hit.line not in source.ai_lines or (hit.kind, hit.line) in seen:
            continue
        seen.add((hit.kind, hit.line))
        code = lines[hit.line - 1] if 0 < hit.line <= len(lines) else ""
        base = assumption_key(hit.kind, source.path, code)
        occurrences[base] = occurrences.get(base, 0) + 1
        results.append(
            Assumption(
                key=assumption_key(hit.kind, source.path, code, occurrences[base]),
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
