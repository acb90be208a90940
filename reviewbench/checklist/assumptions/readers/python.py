"""Python read with `ast`: names resolved through the assignments of the same function."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from findings.engine.syntax.pystrings import built_string
from findings.engine.taint.rules import keyword_argument as _kwarg
from reviewbench.checklist.assumptions.kinds import (
    AUTHZ,
    CODE,
    COOKIE_FLAGS,
    CRYPTO,
    DESERIALIZE,
    ERROR_DETAILS,
    FILE_PERMISSIONS,
    LOG_INPUT,
    PARSE,
    PATH,
    REDIRECT,
    REGEX,
    SECRET_COMPARE,
    SHELL,
    SQL,
    SSRF,
    TEMPLATE,
    TIMEOUT,
    TLS_VERIFY,
    TRUST_BOUNDARY,
    UNESCAPED,
    UPLOAD,
    XXE,
    Hit,
    name_text,
    public_by_design,
)

# --- Python: AST ----------------------------------------------------------------------------------

_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "raw", "extra", "mogrify"})
_SQL_FUNCS = frozenset({"text", "RawSQL"})
# Interpreters of Python source: code.InteractiveInterpreter, subinterpreters, test helpers.
_CODE_RUNNERS = frozenset(
    {"runsource", "runcode", "compile_command", "run_string", "run_in_subinterp"}
)
_OS_COMMANDS = re.compile(r"system|popen\d?|spawn\w+|exec\w+")
_EXEC_CALLS = frozenset({"create_subprocess_exec", "subprocess_exec"})
_SQL_CONNECTION_METHODS = frozenset({"fetch", "fetchrow", "fetchval", "cursor", "run"})
_SQL_CONNECTION = re.compile(r"(?i)(?:^|\.)(?:\w*conn\w*|db|database|pool)$")
_SQL_CLAUSES = frozenset({"filter", "order_by", "group_by", "having", "distinct", "where"})
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
        "HttpResponseBadRequest",
        "HttpResponseNotFound",
        "HttpResponseForbidden",
        "HttpResponseServerError",
        "HTMLResponse",
        "make_response",
    }
)
_DESERIALIZE_CALLS = frozenset(
    {
        "pickle.loads",
        "pickle.load",
        "_pickle.loads",
        "_pickle.load",
        "cPickle.loads",
        "cPickle.load",
        "marshal.loads",
        "marshal.load",
        "shelve.open",
        "jsonpickle.decode",
        "dill.loads",
        "dill.load",
        "yaml.load",
        "yaml.load_all",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
        "yaml.full_load",
        "yaml.full_load_all",
        "torch.load",
        "joblib.load",
        "numpy.load",
        "np.load",
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


MAX_SUBJECTS = 3
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


def _subjects(scope: _Scope, node: ast.expr | None, line: int) -> list[str]:
    """Every variable of the expression that carries data in (a parameter, a request read or an
    assignment from them), each traced to its origin; at most three, in source order."""
    if node is None:
        return []
    names = [
        n
        for n in _expr_names(node)
        if (n in scope.assignments or n in scope.parameters) and not _CONSTANT.fullmatch(n)
    ]
    found: list[str] = []
    seen: set[str] = set()
    for name in names:
        origin, origin_line = _origin(scope, name, line)
        if origin in seen:
            continue
        seen.add(origin)
        if origin in _USER_ROOTS or origin_line is None:
            found.append(f"`{name_text(origin)}`")
        else:
            found.append(f"`{name_text(origin)}` (line {origin_line})")
        if len(found) == MAX_SUBJECTS:
            break
    if found:
        return found
    # No local carries data in: a module constant (`API`) is not an input; anything else (a
    # global, an attribute) is still asked about once.
    fallback = _subject(scope, node, line)
    return [] if _CONSTANT.fullmatch(fallback.strip("`")) else [fallback]


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
        return f"`{name_text(_dotted(node) if not isinstance(node, ast.JoinedStr) else origin)}`"
    return f"`{name_text(origin)}` (line {origin_line})"


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
) -> list[Hit]:
    dotted, last = _callee(call)
    line = call.lineno
    hits: list[Hit] = []
    first = _first_arg(call)
    owner = dotted.rsplit(".", 1)[0] if "." in dotted else ""

    def opaque(kind: str, argument: ast.expr | None) -> None:
        # A command or code made at run time by a call (`os.system(build())`): no variable to
        # name, still a value the reviewer must trace.
        if argument is None or _constant(argument, scope, line):
            return
        if _is_dynamic(argument):
            injection(kind, argument)
        elif isinstance(argument, ast.Call | ast.Attribute | ast.Subscript):
            hits.append(Hit(kind, line, dotted, f"`{name_text(ast.unparse(argument))}`"))

    def injection(kind: str, argument: ast.expr | None) -> None:
        # One challenge per input that reaches the sink: `"… %s %s" % (customer, sort)` asks
        # about `customer` and about `sort`. A local that only ever holds a constant (`query =
        # "SELECT … ?"`, `stmt = text("… :name")`) carries no input.
        if argument is not None and _is_dynamic(argument) and not _constant(argument, scope, line):
            for subject in _subjects(scope, argument, line):
                hits.append(Hit(kind, line, dotted, subject))

    if (last in _SQL_METHODS and owner) or dotted in _SQL_FUNCS:
        injection(SQL, first)
    elif last in _SQL_CONNECTION_METHODS and _SQL_CONNECTION.search(owner):
        injection(SQL, first)  # asyncpg's fetch/fetchrow/cursor, pg8000's run
    elif last in _SQL_CLAUSES and built_string(first):
        injection(SQL, first)  # SQLAlchemy's query.filter("… {}".format(x)): raw SQL text
    # the built-ins; `compile(source, filename, mode)`, not a bare `compile(pattern)` from re
    if isinstance(call.func, ast.Name) and (
        call.func.id in ("eval", "exec") or (call.func.id == "compile" and len(call.args) >= 3)
    ):
        opaque(CODE, first)
    elif last in _CODE_RUNNERS:
        for each in call.args:
            opaque(CODE, each)
    elif any(isinstance(a, ast.Name) and a.id in ("eval", "exec") for a in call.args):
        # `loop.run_in_executor(None, exec, code)`: the built-in handed over, then its source
        at = next(
            i
            for i, a in enumerate(call.args)
            if isinstance(a, ast.Name) and a.id in ("eval", "exec")
        )
        for each in call.args[at + 1 :]:
            opaque(CODE, each)
    if owner == "os" and _OS_COMMANDS.fullmatch(last) and dotted not in _SHELL_CALLS:
        for each in call.args:
            # os.spawnlp(os.P_WAIT, cmd): the mode is a constant of the module
            if not _dotted(each).startswith("os.P_"):
                opaque(SHELL, each)
    elif last in ("create_subprocess_shell", "subprocess_shell") and dotted not in _SHELL_CALLS:
        opaque(SHELL, first)
    elif last in _EXEC_CALLS:
        # separate arguments: a command line only when they start a shell (`"sh", "-c", x`) or
        # the program itself is a value; an argument given as a list is read the same way
        words = ast.List(elts=list(call.args), ctx=ast.Load())
        if call.args and not isinstance(first, ast.Constant):
            for each in call.args:
                if not isinstance(each, ast.List | ast.Tuple) or _runs_a_shell(each):
                    opaque(SHELL, each)
        elif _runs_a_shell(words):
            for each in call.args[1:]:
                opaque(SHELL, each)
    elif owner == "sh" and any(built_string(a) for a in call.args):
        injection(SHELL, next(a for a in call.args if built_string(a)))  # the sh package
    elif last == "BashOperator":
        opaque(SHELL, _kwarg(call, "bash_command"))  # Airflow: a shell runs the text
    if dotted in _SHELL_CALLS and last not in _EXEC_CALLS:
        shell_kw = _kwarg(call, "shell")
        # An argument list run without a shell (`["ping", "-c", "1", host]`) is no command line
        # for a shell to parse.
        listed = (
            isinstance(first, ast.List | ast.Tuple)
            and bool(first.elts)
            and isinstance(first.elts[0], ast.Constant)
            and not _runs_a_shell(first)
        )
        shell = _is_true(shell_kw) or dotted.startswith("os.")
        if shell or (_is_dynamic(first) and not listed):
            opaque(SHELL, first if first is not None else _kwarg(call, "args"))
    if dotted in _PATH_CALLS:
        # os.path.join(BASE, name): the later parts are the ones that escape the base.
        arguments = call.args[1:] if dotted == "os.path.join" else call.args[:1]
        dynamic = [a for a in arguments if _is_dynamic(a)]
        subjects = list(dict.fromkeys(s for a in dynamic for s in _subjects(scope, a, line)))
        for subject in subjects[:MAX_SUBJECTS]:
            hits.append(Hit(PATH, line, dotted, subject))
    is_http = (owner.split(".")[-1] in _HTTP_MODULES and last in _HTTP_VERBS) or dotted in (
        _URL_CALLS
    )
    if is_http:
        url = call.args[1] if last == "request" and len(call.args) > 1 else first
        url = url if url is not None else _kwarg(call, "url")
        if not _host_fixed(url):
            injection(SSRF, url)
        # httpx applies a 5 s default timeout; requests and urllib wait forever without one.
        waits_forever = _kwarg(call, "timeout") is None and (
            owner.split(".")[0] in ("requests", "urllib3")
            or (dotted in _URL_CALLS and dotted != "urllib.request.Request" and len(call.args) < 3)
        )
        if waits_forever:
            hits.append(Hit(TIMEOUT, line, dotted))
        if _is_false(_kwarg(call, "verify")):
            hits.append(Hit(TLS_VERIFY, line, dotted))
    elif _is_false(_kwarg(call, "verify")):
        hits.append(Hit(TLS_VERIFY, line, dotted))
    if last in _REDIRECT_CALLS or dotted in _REDIRECT_CALLS:
        injection(REDIRECT, first)
    if dotted in _TEMPLATE_CALLS or last in ("mark_safe", "render_template_string"):
        argument = first
        if last.startswith("HttpResponse") or last in ("HTMLResponse", "make_response"):
            # Only markup assembled from values is interesting, not HttpResponse(body_bytes).
            if not isinstance(argument, ast.JoinedStr | ast.BinOp) and not (
                isinstance(argument, ast.Call) and _dotted(argument.func).endswith(".format")
            ):
                argument = None
        injection(TEMPLATE, argument)
    if (
        last == "render_template"
        and first is not None
        and _unescaped_template(first)
        and (call.keywords or call.args[1:])
    ):
        # Flask autoescapes .html/.htm/.xml/.xhtml/.svg templates only
        hits.append(Hit(TEMPLATE, line, dotted, extra=UNESCAPED))
    if dotted in ("Environment", "jinja2.Environment") and not _autoescaped(call):
        hits.append(Hit(TEMPLATE, line, dotted, extra=UNESCAPED))
    if dotted in ("html_safe", "Markup.unescape", "markupsafe.Markup.unescape"):
        opaque(TEMPLATE, first)
    if dotted in _DESERIALIZE_CALLS:
        loader = _kwarg(call, "Loader")
        safe_yaml = dotted in ("yaml.load", "yaml.load_all") and (
            (loader is not None and "Safe" in _dotted(loader))
            or (len(call.args) > 1 and "Safe" in _dotted(call.args[1]))
        )
        # torch.load(weights_only=True) and numpy.load(allow_pickle=False) unpickle nothing
        refuses_pickle = _is_true(_kwarg(call, "weights_only")) or (
            last == "load"
            and owner in ("numpy", "np")
            and not _is_true(_kwarg(call, "allow_pickle"))
        )
        if not safe_yaml and not refuses_pickle and first is not None:
            subject = _subject(scope, first, line)
            hits.append(Hit(DESERIALIZE, line, dotted, subject))
    if last == "YAML" and isinstance(_kwarg(call, "typ"), ast.Constant):
        kind = _kwarg(call, "typ")
        if isinstance(kind, ast.Constant) and kind.value in ("unsafe", "base"):
            hits.append(Hit(DESERIALIZE, line, dotted, "`YAML(typ=...)`"))  # ruamel.yaml
    if owner in ("re", "regex") and last in _REGEX_FUNCS and first is not None:
        pattern = _constant_text(first, scope, line)
        if pattern is None:
            injection(REGEX, first)
        elif _NESTED_QUANTIFIER.search(pattern):
            hits.append(Hit(REGEX, line, dotted, extra="nested"))
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
            hits.append(Hit(COOKIE_FLAGS, line, dotted, extra=extra))
    if dotted in _PARSE_CALLS and _is_dynamic(first) and not _inside_try(stack):
        hits.append(Hit(PARSE, line, dotted, _subject(scope, first, line)))
    if _is_false(_kwarg(call, "usedforsecurity")):
        pass  # the code says the digest guards nothing (a cache key, a checksum)
    elif dotted in _WEAK_CRYPTO or (
        dotted == "hashlib.new"
        and isinstance(first, ast.Constant)
        and str(first.value).lower() in ("md5", "sha1", "sha", "md4", "dss", "dsa", "md5-sha1")
    ):
        hits.append(Hit(CRYPTO, line, dotted))
    elif dotted == "hashlib.new" and _is_dynamic(first):
        # the algorithm is a variable: which one runs is an assumption the code does not show
        hits.append(Hit(CRYPTO, line, dotted))
    if dotted in ("ssl._create_unverified_context",):
        hits.append(Hit(TLS_VERIFY, line, dotted))
    if dotted in ("os.chmod", "os.makedirs", "os.mkdir", "os.fchmod", "os.open") or last == "chmod":
        mode = _kwarg(call, "mode")
        if mode is None:
            position = {"os.open": 2, "os.makedirs": 1, "os.mkdir": 1}.get(dotted, 1)
            mode = call.args[position] if len(call.args) > position else None
        if isinstance(mode, ast.Constant) and isinstance(mode.value, int) and mode.value & 0o022:
            hits.append(Hit(FILE_PERMISSIONS, line, dotted, extra=f"`{oct(mode.value)}`"))
    if dotted == "os.umask" and isinstance(first, ast.Constant) and first.value == 0:
        hits.append(Hit(FILE_PERMISSIONS, line, dotted, extra="`umask 0`"))
    if last in _LOG_METHODS and (owner in _LOG_OWNERS or owner.endswith("logger")):
        for argument in call.args:
            if _is_dynamic(argument) and _reads_user_input_resolved(argument, scope, line):
                hits.append(Hit(LOG_INPUT, line, dotted, _subject(scope, argument, line)))
                break
    if last == "XMLParser" and (
        _is_true(_kwarg(call, "resolve_entities"))
        or _is_true(_kwarg(call, "load_dtd"))
        or _is_false(_kwarg(call, "no_network"))
    ):
        hits.append(Hit(XXE, line, dotted))
    if (
        last == "setFeature"
        and len(call.args) > 1
        and _dotted(call.args[0]).endswith(("feature_external_ges", "feature_external_pes"))
        and _is_true(call.args[1])
    ):
        hits.append(Hit(XXE, line, dotted))
    if dotted == "xmltodict.parse" and _is_false(_kwarg(call, "disable_entities")):
        hits.append(Hit(XXE, line, dotted))
    if last in ("update", "setdefault") and owner in _SESSIONS:
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            if _request_value(argument, scope, line):
                hits.append(Hit(TRUST_BOUNDARY, line, dotted, _subject(scope, argument, line)))
                break
    if (last in ("get", "__getitem__") and owner.endswith(("FILES", ".files"))) and not (
        _UPLOAD_CHECK.search(function_text)
    ):
        hits.append(Hit(UPLOAD, line, dotted, f"`{name_text(dotted)}`"))
    return hits


# Where a web framework keeps what later requests read back as the server's own: Django's and
# Starlette's `request.session`, Flask's `session` (a subscript assignment to it is never an ORM
# session's).
_SESSIONS = frozenset({"request.session", "self.request.session", "session", "flask.session"})


def _session_hits(node: ast.Assign | ast.AugAssign, scope: _Scope) -> list[Hit]:
    """Request data stored in the session: `request.session["role"] = request.POST["role"]`."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    stored = [t for t in targets if isinstance(t, ast.Subscript) and _dotted(t.value) in _SESSIONS]
    if not stored or not _request_value(node.value, scope, node.lineno):
        return []
    sink = f"{_dotted(stored[0].value)}[…]"
    return [Hit(TRUST_BOUNDARY, node.lineno, sink, _subject(scope, node.value, node.lineno))]


# Calls whose result is still the value they were given: a request read, a conversion, a string
# method. Any other call's result (`check_credentials(form)`, a lookup) is the program's own.
_KEEPS_VALUE = frozenset(
    {
        "get", "getlist", "str", "int", "float", "bool", "strip", "lower", "upper", "title",
        "format", "join", "split", "replace", "decode", "encode", "list", "dict", "tuple",
    }
)  # fmt: skip


def _request_value(node: ast.AST, scope: _Scope, line: int, depth: int = 0) -> bool:
    """Whether `node` is request data itself, or a conversion of it, traced through the
    function's assignments: not the result of a call the data only went into."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Call):
            if _callee(current)[1] not in _KEEPS_VALUE:
                continue
            pending.append(current.func)
            pending.extend(current.args)
            continue
        if isinstance(current, ast.Attribute) and current.attr in _USER_INPUT_ATTRS:
            return True
        if isinstance(current, ast.Name):
            if current.id in _USER_ROOTS:
                return True
            assigned = [e for e in scope.assignments.get(current.id, []) if e[0] <= line]
            if (
                assigned
                and depth < 6
                and _request_value(assigned[-1][1], scope, assigned[-1][0], depth + 1)
            ):
                return True
            continue
        pending.extend(ast.iter_child_nodes(current))
    return False


def _constant(node: ast.AST, scope: _Scope, line: int, depth: int = 0) -> bool:
    """Whether an expression only ever holds a constant: literals, operations and calls on
    literals (`text("…")`), and locals every assignment of which is one; not a parameter."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        if node.id in scope.parameters or depth >= 6:
            return False
        assigned = [e for e in scope.assignments.get(node.id, []) if e[0] <= line]
        return bool(assigned) and all(
            _constant(value, scope, at, depth + 1) for at, value in assigned
        )
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(value, ast.Constant) for value in node.values)
    if isinstance(node, ast.BinOp):
        return _constant(node.left, scope, line, depth) and _constant(
            node.right, scope, line, depth
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
        # a function or a module's (`text(…)`, `sqlalchemy.text(…)`), not a method of data
        # (`request.GET.get("next")`)
        root = _dotted(node.func).split(".", 1)[0]
        if isinstance(node.func, ast.Attribute) and (
            root in _USER_ROOTS or root in scope.parameters or root in scope.assignments
        ):
            return False
        arguments = [*node.args, *(k.value for k in node.keywords)]
        return bool(arguments) and all(_constant(a, scope, line, depth) for a in arguments)
    return False


_SHELLS = re.compile(r"(?:^|/)(?:sh|bash|zsh|dash|ksh|cmd(?:\.exe)?|powershell|pwsh)$")
_INTERPRETERS = re.compile(r"(?:^|/)(?:python[\d.]*|node|perl|ruby|php)$")


def _runs_a_shell(arguments: ast.List | ast.Tuple) -> bool:
    """Whether an argument list hands a command line to a shell or an interpreter
    (`["bash", "-c", cmd]`, `["python", "-c", code]`)."""
    words = [e.value for e in arguments.elts if isinstance(e, ast.Constant)]
    program = words[0] if words and isinstance(words[0], str) else ""
    if _SHELLS.search(program):
        return True
    # `ping -c 1` counts packets; an interpreter's -c/-e runs its argument as code
    return bool(_INTERPRETERS.search(program)) and ("-c" in words or "-e" in words)


_AUTOESCAPED = re.compile(r"\.(?:html|htm|xml|xhtml|svg)$")


def _unescaped_template(name: ast.AST | None) -> bool:
    """A template name Flask does not autoescape: another extension, or one made at run time."""
    if isinstance(name, ast.Constant) and isinstance(name.value, str):
        return not _AUTOESCAPED.search(name.value)
    return name is not None


def _autoescaped(call: ast.Call) -> bool:
    """Whether a Jinja2 Environment turns autoescaping on (True, select_autoescape(...))."""
    value = _kwarg(call, "autoescape")
    return value is not None and not _is_false(value)


def _constant_text(node: ast.AST, scope: _Scope, line: int) -> str | None:
    """The string a literal, or a local that only ever holds one literal, stands for."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name) and node.id not in scope.parameters:
        assigned = [e for e in scope.assignments.get(node.id, []) if e[0] <= line]
        values = {
            value.value
            for _at, value in assigned
            if isinstance(value, ast.Constant) and isinstance(value.value, str)
        }
        if assigned and len(values) == len(assigned) == 1:
            return values.pop()
    return None


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


# A URL whose own text fixes the scheme and the host, up to the first "/" after it: what follows
# can change the path, never the server (`https://host` + "@evil.example/" could).
_FIXED_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\\{}]+/")


def _host_fixed(url: ast.expr | None) -> bool:
    """Whether an f-string or a concatenation starts with a literal scheme, host and "/"."""
    head: ast.expr | None = url
    while isinstance(head, ast.BinOp) and isinstance(head.op, ast.Add):
        head = head.left
    if isinstance(head, ast.JoinedStr) and head.values:
        head = head.values[0]
    return (
        (head is not url or isinstance(url, ast.JoinedStr))
        and isinstance(head, ast.Constant)
        and isinstance(head.value, str)
        and bool(_FIXED_HOST.match(head.value))
    )


def _function_hits(function: ast.AST, text_lines: Sequence[str]) -> list[Hit]:
    """Endpoint and error-handling assumptions that need the whole function."""
    hits: list[Hit] = []
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
            routes = [
                d.args[0].value
                for d in function.decorator_list
                if isinstance(d, ast.Call)
                and d.args
                and isinstance(d.args[0], ast.Constant)
                and isinstance(d.args[0].value, str)
            ]
            public = public_by_design(function.name) or any(map(public_by_design, routes))
            if not public and not _AUTH_WORDS.search(source):
                hits.append(Hit(AUTHZ, function.lineno, subject=f"`{name_text(function.name)}`"))
    return hits


_SAFE_STRINGS = frozenset({"SafeString", "SafeText", "SafeData", "Markup"})


def _escape_bypass_hits(node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> list[Hit]:
    """Markup declared safe once for every value it will hold: a class extending Django's
    SafeString, an `__html__` method, `@html_safe`, a template filter registered is_safe=True."""
    if isinstance(node, ast.ClassDef):
        bases = {_dotted(base).rsplit(".", 1)[-1] for base in node.bases}
        if bases & _SAFE_STRINGS:
            return [Hit(TEMPLATE, node.lineno, f"class {name_text(node.name)}", extra=UNESCAPED)]
    elif node.name == "__html__":
        return [Hit(TEMPLATE, node.lineno, "__html__", extra=UNESCAPED)]
    for decorator in node.decorator_list:
        named = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        safe_filter = (
            isinstance(decorator, ast.Call)
            and named.endswith("filter")
            and _is_true(_kwarg(decorator, "is_safe"))
        )
        if named.endswith("html_safe") or safe_filter:
            return [Hit(TEMPLATE, decorator.lineno, f"@{named}", extra=UNESCAPED)]
    return []


def _handler_hits(handler: ast.ExceptHandler) -> list[Hit]:
    hits: list[Hit] = []
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
            subject = f"`{name_text(name)}`" if name else "`traceback.format_exc()`"
            hits.append(Hit(ERROR_DETAILS, node.lineno, subject=subject))
    return hits


def _compare_hits(node: ast.Compare, scope: _Scope) -> list[Hit]:
    if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
        return []
    operands = [node.left, *node.comparators]
    if any(isinstance(o, ast.Constant) for o in operands):
        return []
    secret = next((o for o in operands if _SECRET_NAME.search(_dotted(o))), None)
    if secret is None:
        return []
    return [Hit(SECRET_COMPARE, node.lineno, subject=f"`{name_text(_dotted(secret))}`")]


# Weak primitives by their full import path (`from Crypto.Hash import MD5 as md5` makes
# `md5.new()` one): pycryptodome's old hashes and ciphers, cryptography's hazmat ones.
_WEAK_QUALIFIED = re.compile(
    r"^(?:Crypto|Cryptodome)\.(?:Hash\.(?:MD2|MD4|MD5|SHA|SHA1)|Cipher\.(?:DES|DES3|ARC2|ARC4|"
    r"Blowfish|XOR|CAST))\.new$|^cryptography\.hazmat\.primitives\.(?:hashes\.(?:MD5|SHA1)|"
    r"ciphers\.(?:algorithms\.(?:TripleDES|ARC4|Blowfish|IDEA|CAST5|SEED)|modes\.ECB))$"
)
_WEAK_CURVES = re.compile(r"\b(?:SECP192R1|SECT163K1|SECT163R2|SECP160\w*|SECT113\w*|P192)\b")
# Protocol versions with known breaks (SSLv2/3, TLS 1.0/1.1), and pyOpenSSL's "any" method.
_WEAK_TLS = frozenset(
    {
        "SSLv2_METHOD", "SSLv3_METHOD", "SSLv23_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD",
        "PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1",
    }
)  # fmt: skip
MIN_KEY_BITS = 2048


def _record_import(node: ast.Import | ast.ImportFrom, paths: dict[str, str]) -> None:
    """What each imported name stands for: `md5` -> `Crypto.Hash.MD5`, `hashes` ->
    `cryptography.hazmat.primitives.hashes`. Recorded as the walk meets the import, which is
    before the calls that use it."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                paths[alias.asname] = alias.name
    elif node.module and not node.level:
        for alias in node.names:
            paths[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _crypto_hits(call: ast.Call, paths: dict[str, str]) -> list[Hit]:
    """Weak hashes, ciphers, curves and key sizes that the dotted-name table cannot see."""
    dotted = _dotted(call.func)
    head, dot, rest = dotted.partition(".")
    qualified = paths[head] + dot + rest if head in paths else dotted
    line = call.lineno
    if _WEAK_QUALIFIED.search(qualified):
        return [Hit(CRYPTO, line, dotted)]
    last = dotted.rsplit(".", 1)[-1]
    if last == "Hashids" and any(
        "SECRET_KEY" in ast.unparse(value)
        for value in [*call.args, *(k.value for k in call.keywords)]
    ):
        # hashids is reversible: the salt can be recovered from the ids it makes
        return [Hit(CRYPTO, line, dotted)]
    if last == "generate_private_key" or qualified.endswith(("RSA.generate", "DSA.generate")):
        size = _kwarg(call, "key_size") or _kwarg(call, "bits")
        if size is None and call.args:
            size = call.args[-1] if last == "generate_private_key" else call.args[0]
        if isinstance(size, ast.Constant) and isinstance(size.value, int):
            if size.value < MIN_KEY_BITS:
                return [Hit(CRYPTO, line, dotted)]
        curve = _kwarg(call, "curve") or (call.args[0] if call.args else None)
        if curve is not None and _WEAK_CURVES.search(_dotted(curve)):
            return [Hit(CRYPTO, line, dotted)]
    return []


def _unsigned_jwt_hits(node: ast.Dict) -> list[Hit]:
    """A settings dict that signs tokens with no algorithm: `"ALGORITHM": None` or `"none"`
    (djangorestframework-simplejwt's SIMPLE_JWT and the like)."""
    for key, value in zip(node.keys, node.values, strict=True):
        if (
            isinstance(key, ast.Constant)
            and str(key.value).lower() in ("algorithm", "jwt_algorithm")
            and isinstance(value, ast.Constant)
            and (value.value is None or str(value.value).lower() == "none")
        ):
            return [Hit(CRYPTO, key.lineno, f"{key.value!r}: {value.value!r}")]
    return []


def python_hits(text: str) -> list[Hit]:
    tree = ast.parse(text)
    lines = text.splitlines()
    hits: list[Hit] = []
    paths: dict[str, str] = {}

    def visit(node: ast.AST, stack: list[ast.AST], scope: _Scope, function_text: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scope = _scope_of(node)
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            function_text = "\n".join(lines[node.lineno - 1 : end])
            hits.extend(_function_hits(node, lines))
            hits.extend(_escape_bypass_hits(node))
        elif isinstance(node, ast.ClassDef):
            hits.extend(_escape_bypass_hits(node))
        if isinstance(node, ast.Call):
            hits.extend(_call_hits(node, scope, stack, function_text))
            hits.extend(_crypto_hits(node, paths))
        elif isinstance(node, ast.Compare):
            hits.extend(_compare_hits(node, scope))
        elif isinstance(node, ast.ExceptHandler):
            hits.extend(_handler_hits(node))
        elif isinstance(node, ast.Assign | ast.AugAssign):
            hits.extend(_session_hits(node, scope))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            _record_import(node, paths)
        elif isinstance(node, ast.Dict):
            hits.extend(_unsigned_jwt_hits(node))
        elif isinstance(node, ast.Attribute) and node.attr in _WEAK_TLS:
            hits.append(Hit(CRYPTO, node.lineno, _dotted(node)))
        elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith(("FILES", ".files")):
            if not _UPLOAD_CHECK.search(function_text):
                hits.append(Hit(UPLOAD, node.lineno, subject=f"`{name_text(_dotted(node))}`"))
        stack.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child, stack, scope, function_text)
        stack.pop()

    visit(tree, [], _scope_of(tree), text)
    return hits
