"""Outlines of source files, pure: each function or method with its lines, parameters, the calls it
makes and the names it binds from request data.

Python is read with `ast`; JavaScript, TypeScript, Java and Go with tree-sitter (one parse per
file, the grammars are compiled wheels, nothing is executed). The checklist asks its comprehension
questions and places its assumption challenges from these outlines, so they are about this code:
its function names, its parameters, its calls and its lines.

The text comes from a pull request: it is only parsed; every name and snippet kept is bounded and
on one line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MAX_OUTLINE_BYTES = 1024 * 1024
NAME_LIMIT = 80
SNIPPET_LIMIT = 160
MAX_FUNCTIONS = 2000
MAX_CALLS_PER_FUNCTION = 400

LANGUAGES = frozenset({"python", "javascript", "typescript", "java", "go"})


@dataclass(frozen=True)
class Call:
    """One call inside a function: where, what is called, and which names its arguments read."""

    line: int
    callee: str  # dotted as written, e.g. "cursor.execute", "exec.Command", "fs.readFile"
    arguments: tuple[str, ...]  # the names each argument reads, joined per argument
    snippet: str  # the call's source, bounded, on one line
    argument_count: int = 0

    @property
    def last(self) -> str:
        return self.callee.rsplit(".", 1)[-1]

    def names(self) -> tuple[str, ...]:
        """Every name the arguments read, in order, without repeats."""
        seen: dict[str, None] = {}
        for argument in self.arguments:
            for name in argument.split():
                seen.setdefault(name, None)
        return tuple(seen)


@dataclass(frozen=True)
class Function:
    """A function or method of a file, with what a reviewer is asked about."""

    name: str  # qualified: Class.method, or "handler for GET /orders"
    start: int  # first line (decorators and annotations included)
    end: int
    params: tuple[str, ...]
    calls: tuple[Call, ...] = ()
    request_names: tuple[str, ...] = ()  # names bound from request data (and request params)
    # Local names that carry an input: (name, the parameter or request name it comes from, line).
    derived: tuple[tuple[str, str, int], ...] = ()
    decorators: tuple[str, ...] = ()  # Python decorators, Java annotations
    handler: bool = False  # a web handler: routed, annotated, or (req, res) / (w, r) shaped
    returns_values: bool = False
    raises: bool = False
    signature: str = ""  # the first line, bounded

    def lines(self) -> range:
        return range(self.start, self.end + 1)

    def inputs(self) -> tuple[str, ...]:
        """Parameters and names read straight from the request: what callers and clients
        control."""
        derived = {name for name, _origin, _line in self.derived}
        names = [p for p in self.params if p not in ("self", "cls", "this")]
        names += [n for n in self.request_names if n not in derived]
        return tuple(dict.fromkeys(names))

    def carriers(self) -> dict[str, tuple[str, int]]:
        """Every name that carries an input, mapped to (the input, the line it was bound)."""
        found = {name: (origin, line) for name, origin, line in self.derived}
        for name in self.inputs():
            found.setdefault(name, (name, self.start))
        return found


_MUTATORS = frozenset(
    {"append", "extend", "add", "push", "concat", "insert", "write", "WriteString", "Add", "put"}
)


# Names of the request and response objects of handlers: what inputs are read from, not inputs.
REQUEST_OBJECTS = frozenset({"req", "request", "r", "res", "response", "w", "ctx", "c"})


class _Flow:
    """Which local names carry a function's inputs, followed through assignments in source order
    (and through `sb.append(x)`-style calls that grow a builder)."""

    def __init__(self, params: Sequence[str], from_request: Sequence[str]) -> None:
        self.request: dict[str, None] = dict.fromkeys(from_request)
        self.origin: dict[str, tuple[str, int]] = {name: (name, 0) for name in params}
        for name in from_request:
            self.origin.setdefault(name, (name, 0))
        self.derived: dict[str, tuple[str, int]] = {}

    def assign(
        self, targets: Sequence[str], value_names: Sequence[str], line: int, reads_request: bool
    ) -> None:
        sources = [self.origin[n] for n in value_names if n in self.origin]
        # `helper(request, param)` carries `param`: the request object itself is where every
        # input comes from, so a named input beside it says more.
        source = next((o for o in sources if o[0] not in REQUEST_OBJECTS), None) or next(
            iter(sources), None
        )
        from_request = reads_request or any(n in self.request for n in value_names)
        for target in targets:
            if target in ("_", "") or (target in self.origin and self.origin[target][1] == 0):
                continue
            if reads_request:
                # Read straight from the request: the name itself is the input a client controls.
                self.origin[target] = (target, line)
                self.derived.setdefault(target, (target, line))
            elif source is not None:
                self.origin[target] = (source[0], line)
                self.derived.setdefault(target, (source[0], line))
            if from_request:
                self.request.setdefault(target, None)

    def mutate(self, receiver: str, argument_names: Sequence[str], line: int) -> None:
        if receiver and receiver not in self.origin:
            self.assign([receiver], argument_names, line, reads_request=False)

    def result(self) -> tuple[tuple[str, ...], tuple[tuple[str, str, int], ...]]:
        derived = tuple((name, origin, line) for name, (origin, line) in self.derived.items())
        return tuple(self.request), derived


@dataclass(frozen=True)
class Outline:
    path: str
    language: str
    functions: tuple[Function, ...] = field(default_factory=tuple)

    def enclosing(self, line: int) -> Function | None:
        """The innermost function containing `line`."""
        found = [f for f in self.functions if f.start <= line <= f.end]
        return max(found, key=lambda f: (f.start, -f.end)) if found else None


def _bounded(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- request data, per language -----------------------------------------------------------------

_REQUEST_READS = {
    "python": re.compile(
        r"\brequest\.(?:GET|POST|args|form|json|data|values|headers|cookies|COOKIES|META|"
        r"query_params|body|FILES|files|path_params|get_json)\b"
    ),
    "javascript": re.compile(
        r"\b(?:req|request|ctx\.request|ctx)\.(?:query|body|params|headers|cookies|files|file|"
        r"searchParams|url|hostname|ip|get)\b|\bsearchParams\.get\b|\bformData\b"
    ),
    "java": re.compile(
        # a request wrapper's reads too (`wrapped.getTheParameter("id")`)
        r"\.(?:get\w*Parameter\w*|getHeader|getHeaders|getHeaderNames|getCookies|"
        r"getQueryString|getInputStream|getReader|getRequestURI|getPathInfo|getPart|getParts)\s*\("
    ),
    "go": re.compile(
        r"\b(?:r|req|request)\.(?:URL\.Query\(\)|(?:FormValue|PostFormValue|PathValue|Form|"
        r"PostForm|Header|Body|Cookie|URL\.Path|URL\.RawQuery|MultipartForm|FormFile)\b)|"
        r"\bmux\.Vars\b|\bc\.(?:Query|Param|PostForm|DefaultQuery|FormValue|QueryParam|"
        r"Bind|BindJSON|ShouldBind|ShouldBindJSON|GetHeader|Cookie|FormFile)\b|\bchi\.URLParam\b"
    ),
}
_REQUEST_READS["typescript"] = _REQUEST_READS["javascript"]
# The rest of a read after where a request pattern matched: members, one subscript or call.
_READ_TAIL = re.compile(r"[\w$.]*(?:\(\)[\w$.]*)?(?:\[[^\]\n]{0,40}\]|\([^()\n]{0,40}\))?")


def request_read(language: str, text: str) -> str | None:
    """The first read of request data in `text` (`req.query.url`, `request.getParameter("id")`,
    `r.FormValue("u")`), as written, or None."""
    pattern = _REQUEST_READS.get(language)
    match = pattern.search(text) if pattern is not None else None
    if match is None:
        return None
    start = match.start()
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$."):
        start -= 1  # Java's pattern starts at the dot: take the receiver too
    tail = _READ_TAIL.match(text, match.end())
    return text[start : tail.end() if tail else match.end()]


_JAVA_REQUEST_ANNOTATIONS = re.compile(
    r"@(?:RequestParam|PathVariable|RequestBody|RequestHeader|CookieValue|QueryParam|PathParam|"
    r"FormParam|HeaderParam|BeanParam|ModelAttribute|RequestPart)\b"
)
_JAVA_ROUTE_ANNOTATIONS = re.compile(
    r"@(?:GetMapping|PostMapping|PutMapping|DeleteMapping|PatchMapping|RequestMapping|GET|POST|"
    r"PUT|DELETE|PATCH|Path)\b"
)
_PY_ROUTE = re.compile(
    r"(?:^|\.)(?:route|get|post|put|patch|delete|api_view|websocket)$|^(?:require_GET|"
    r"require_POST|require_http_methods|require_safe|csrf_exempt)$"
)
_JS_ROUTE_OWNER = re.compile(r"^(?:app|router|server|api|fastify|route|routes|r)$")
_JS_ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete", "all", "use", "route"})
_GO_HANDLER_TYPES = re.compile(r"\*http\.Request|\*gin\.Context|echo\.Context|\*fiber\.Ctx")
_JS_HANDLER_PARAMS = frozenset({"req", "request", "ctx"})


# --- Python ---------------------------------------------------------------------------------------


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{_dotted(node.value)}[]"
    return "…"


def _py_names(node: ast.AST) -> list[str]:
    names: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id not in names:
            names.append(child.id)
    return names


def _py_target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _py_target_names(element)]
    return []


def _python_outline(text: str) -> list[Function]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = text.splitlines()
    found: list[Function] = []
    reads = _REQUEST_READS["python"]

    def build(node: ast.FunctionDef | ast.AsyncFunctionDef, qualified: str) -> Function:
        arguments = node.args
        params = tuple(
            a.arg
            for a in [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                *([arguments.vararg] if arguments.vararg else []),
                *([arguments.kwarg] if arguments.kwarg else []),
            ]
            if a.arg not in ("self", "cls")
        )
        decorators = tuple(
            _bounded(_dotted(d.func if isinstance(d, ast.Call) else d), NAME_LIMIT)
            for d in node.decorator_list
        )
        start = min([d.lineno for d in node.decorator_list] + [node.lineno])
        end = getattr(node, "end_lineno", None) or node.lineno
        calls: list[Call] = []
        handler = any(_PY_ROUTE.search(d) for d in decorators) or (params[:1] == ("request",))
        flow = _Flow(params, ["request"] if handler and "request" in params else [])
        returns_values = raises = False
        for child in _walk_own(node):
            if isinstance(child, ast.Call) and len(calls) < MAX_CALLS_PER_FUNCTION:
                segment = ast.get_source_segment(text, child) or _dotted(child.func)
                argument_nodes = [*child.args, *(k.value for k in child.keywords)]
                calls.append(
                    Call(
                        line=child.lineno,
                        callee=_bounded(_dotted(child.func), NAME_LIMIT),
                        arguments=tuple(" ".join(_py_names(a)) for a in argument_nodes),
                        snippet=_bounded(segment, SNIPPET_LIMIT),
                        argument_count=len(argument_nodes),
                    )
                )
                if isinstance(child.func, ast.Attribute) and child.func.attr in _MUTATORS:
                    flow.mutate(
                        _dotted(child.func.value),
                        [n for a in argument_nodes for n in _py_names(a)],
                        child.lineno,
                    )
            elif isinstance(child, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                value = child.value
                if value is None:
                    continue
                source = ast.get_source_segment(text, value) or ""
                targets: list[ast.expr] = (
                    list(child.targets) if isinstance(child, ast.Assign) else [child.target]
                )
                flow.assign(
                    [name for target in targets for name in _py_target_names(target)],
                    _py_names(value),
                    child.lineno,
                    reads_request=bool(reads.search(source)),
                )
            elif isinstance(child, ast.For | ast.AsyncFor | ast.comprehension):
                flow.assign(
                    _py_target_names(child.target),
                    _py_names(child.iter),
                    getattr(child, "lineno", node.lineno),
                    reads_request=bool(
                        reads.search(ast.get_source_segment(text, child.iter) or "")
                    ),
                )
            elif isinstance(child, ast.withitem) and child.optional_vars is not None:
                flow.assign(
                    _py_target_names(child.optional_vars),
                    _py_names(child.context_expr),
                    getattr(child.context_expr, "lineno", node.lineno),
                    reads_request=False,
                )
            elif isinstance(child, ast.Return) and child.value is not None:
                returns_values = True
            elif isinstance(child, ast.Raise):
                raises = True
        request_names, derived = flow.result()
        return Function(
            name=_bounded(qualified, NAME_LIMIT),
            start=start,
            end=end,
            params=params,
            calls=tuple(sorted(calls, key=lambda c: c.line)),
            request_names=request_names,
            derived=derived,
            decorators=decorators,
            handler=handler,
            returns_values=returns_values,
            raises=raises,
            signature=_bounded(lines[node.lineno - 1] if node.lineno <= len(lines) else "", 160),
        )

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if len(found) >= MAX_FUNCTIONS:
                return
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append(build(child, f"{prefix}{child.name}"))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _walk_own(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes of a function body in source order, without entering nested functions or classes."""
    pending: list[ast.AST] = list(reversed(function.body))
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        pending.extend(reversed(list(ast.iter_child_nodes(node))))


# --- tree-sitter languages ------------------------------------------------------------------------


@cache
def _parser(language: str, tsx: bool) -> Any:
    import tree_sitter

    if language == "javascript":
        import tree_sitter_javascript as grammar

        lang = tree_sitter.Language(grammar.language())
    elif language == "typescript":
        import tree_sitter_typescript as ts_grammar

        lang = tree_sitter.Language(
            ts_grammar.language_tsx() if tsx else ts_grammar.language_typescript()
        )
    elif language == "java":
        import tree_sitter_java as java_grammar

        lang = tree_sitter.Language(java_grammar.language())
    else:
        import tree_sitter_go as go_grammar

        lang = tree_sitter.Language(go_grammar.language())
    return tree_sitter.Parser(lang)


_FUNCTION_NODES = {
    "javascript": {
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "arrow_function",
        "function_expression",
        "function",
    },
    "java": {"method_declaration", "constructor_declaration", "lambda_expression"},
    "go": {"function_declaration", "method_declaration", "func_literal"},
}
_FUNCTION_NODES["typescript"] = _FUNCTION_NODES["javascript"]
_CALL_NODES = {
    "javascript": {"call_expression", "new_expression"},
    "java": {"method_invocation", "object_creation_expression"},
    "go": {"call_expression"},
}
_CALL_NODES["typescript"] = _CALL_NODES["javascript"]
_IDENTIFIER_NODES = frozenset(
    {"identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"}
)
_CLASS_NODES = frozenset(
    {
        "class_declaration",
        "class",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
    }
)
_ASSIGN_NODES = frozenset(
    {
        "variable_declarator",
        "assignment_expression",
        "local_variable_declaration",
        "short_var_declaration",
        "assignment_statement",
        "var_spec",
        # loops bind each element of what they walk: `for (Cookie c : cookies)`, `for (const x
        # of items)`, `for _, v := range values`
        "enhanced_for_statement",
        "for_in_statement",
        "range_clause",
    }
)


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


def _line(node: Any) -> int:
    return int(node.start_point[0]) + 1


def _end_line(node: Any) -> int:
    return int(node.end_point[0]) + 1


def _identifiers(node: Any) -> list[str]:
    names: list[str] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if current.type in _IDENTIFIER_NODES:
            name = _text(current)
            if name not in names:
                names.append(name)
        pending.extend(reversed(current.children))
    return names


def _callee_of(node: Any, language: str) -> str:
    if language == "java":
        if node.type == "object_creation_expression":
            kind = node.child_by_field_name("type")
            return f"new {_text(kind)}" if kind is not None else "new"
        name = node.child_by_field_name("name")
        owner = node.child_by_field_name("object")
        parts = [_text(owner)] if owner is not None else []
        parts.append(_text(name) if name is not None else "")
        return ".".join(parts)
    if node.type == "new_expression":
        kind = node.child_by_field_name("constructor")
        return f"new {_text(kind)}" if kind is not None else "new"
    function = node.child_by_field_name("function")
    return _text(function) if function is not None else ""


def _arguments_of(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [
        child
        for child in arguments.children
        if child.is_named and not child.type.endswith("comment")
    ]


def _params_of(node: Any, language: str) -> tuple[list[str], list[str], str]:
    """(parameter names, parameter names bound from request data, parameter list text)."""
    params_node = node.child_by_field_name("parameters")
    if params_node is None and node.type == "arrow_function":
        params_node = node.child_by_field_name("parameter")
    if params_node is None:
        return [], [], ""
    names: list[str] = []
    from_request: list[str] = []
    text = _text(params_node)
    for child in params_node.children if params_node.type != "identifier" else [params_node]:
        if not child.is_named:
            continue
        if language == "java" and child.type in ("formal_parameter", "spread_parameter"):
            name = child.child_by_field_name("name")
            if name is not None:
                names.append(_text(name))
                if _JAVA_REQUEST_ANNOTATIONS.search(_text(child)) or re.search(
                    r"\bHttpServletRequest\b", _text(child)
                ):
                    from_request.append(_text(name))
            continue
        if language == "go" and child.type in (
            "parameter_declaration",
            "variadic_parameter_declaration",
        ):
            kind = child.child_by_field_name("type")
            declared = [_text(c) for c in child.children if c.type == "identifier"]
            names.extend(declared)
            if kind is not None and _GO_HANDLER_TYPES.search(_text(kind)):
                from_request.extend(declared)
            continue
        for name in _identifiers(child):
            if name not in names and not name[:1].isupper():
                names.append(name)
    if language in ("javascript", "typescript"):
        from_request.extend(n for n in names if n in _JS_HANDLER_PARAMS)
    return names, from_request, text


def _name_of(node: Any, language: str, classes: list[str]) -> str:
    prefix = ".".join(classes)
    name_node = node.child_by_field_name("name")
    if name_node is not None:
        name = _text(name_node)
        if node.type == "method_declaration" and language == "go":
            receiver = node.child_by_field_name("receiver")
            kinds = re.findall(r"[A-Z][\w]*", _text(receiver)) if receiver is not None else []
            if kinds:
                return f"{kinds[-1]}.{name}"
        return f"{prefix}.{name}" if prefix else name
    parent = node.parent
    # const handler = (req, res) => { ... }; obj.method = function () { ... }
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression"):
        parent = parent.parent
    if parent is not None:
        if parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None:
                return _text(target)
        if parent.type in ("assignment_expression", "assignment_statement"):
            target = parent.child_by_field_name("left")
            if target is not None:
                return _text(target)
        if parent.type == "pair":
            key = parent.child_by_field_name("key")
            if key is not None:
                return _text(key)
        if parent.type == "arguments" and parent.parent is not None:
            call = parent.parent
            callee = _callee_of(call, language) if call.type in _CALL_NODES[language] else ""
            verb = callee.rpartition(".")[2]
            route_args = [c for c in parent.children if c.type in ("string", "template_string")]
            if verb.lower() in _JS_ROUTE_VERBS and route_args:
                route = _text(route_args[0]).strip("'\"`")
                return f"handler for {verb.upper()} {route}"
            if callee:
                return f"callback of {callee}"
    return f"{prefix}.<anonymous>" if prefix else "<anonymous>"


def _is_route_callback(node: Any, language: str) -> bool:
    parent = node.parent
    if parent is None or parent.type != "arguments" or parent.parent is None:
        return False
    call = parent.parent
    if call.type not in _CALL_NODES[language]:
        return False
    owner, _, verb = _callee_of(call, language).rpartition(".")
    return verb.lower() in _JS_ROUTE_VERBS and bool(_JS_ROUTE_OWNER.match(owner.split(".")[-1]))


def _annotations_of(node: Any) -> list[str]:
    found: list[str] = []
    for child in node.children:
        if child.type == "modifiers":
            for part in child.children:
                if part.type in ("annotation", "marker_annotation"):
                    found.append(_bounded(_text(part), NAME_LIMIT))
    return found


def _own_descendants(node: Any, language: str) -> Iterator[Any]:
    """A function's body nodes in source order, without entering nested functions or classes."""
    body = node.child_by_field_name("body")
    pending = list(reversed(body.children)) if body is not None else []
    while pending:
        current = pending.pop()
        yield current
        if current.is_named and (
            current.type in _FUNCTION_NODES[language] or current.type in _CLASS_NODES
        ):
            continue
        pending.extend(reversed(current.children))


def _assigned_names(node: Any, language: str) -> tuple[list[str], Any]:
    """(names bound, value node) of an assignment-like node."""
    if node.type == "variable_declarator":
        return _identifiers(node.child_by_field_name("name")), node.child_by_field_name("value")
    if node.type in ("assignment_expression", "assignment_statement"):
        left = node.child_by_field_name("left")
        return (_identifiers(left) if left is not None else []), node.child_by_field_name("right")
    if node.type == "short_var_declaration":
        left = node.child_by_field_name("left")
        return (_identifiers(left) if left is not None else []), node.child_by_field_name("right")
    if node.type == "local_variable_declaration":
        declarator = next((c for c in node.children if c.type == "variable_declarator"), None)
        if declarator is not None:
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            return ([_text(name)] if name is not None else []), value
    if node.type == "enhanced_for_statement":
        name = node.child_by_field_name("name")
        return ([_text(name)] if name is not None else []), node.child_by_field_name("value")
    if node.type in ("for_in_statement", "range_clause"):
        left = node.child_by_field_name("left")
        return (_identifiers(left) if left is not None else []), node.child_by_field_name("right")
    if node.type == "var_spec":
        names = [_text(c) for c in node.children if c.type == "identifier"]
        return names, node.child_by_field_name("value")
    return [], None


def _treesitter_outline(text: str, language: str, tsx: bool) -> list[Function]:
    try:
        tree = _parser(language, tsx).parse(text.encode("utf-8", "replace"))
    except Exception:
        return []
    lines = text.splitlines()
    reads = _REQUEST_READS[language]
    found: list[Function] = []

    def build(node: Any, classes: list[str]) -> Function:
        params, from_request, _params_text = _params_of(node, language)
        annotations = _annotations_of(node) if language == "java" else []
        calls: list[Call] = []
        flow = _Flow(params, from_request)
        returns_values = raises = False
        for child in _own_descendants(node, language):
            if child.type in _CALL_NODES[language] and len(calls) < MAX_CALLS_PER_FUNCTION:
                arguments = _arguments_of(child)
                callee = _callee_of(child, language)
                calls.append(
                    Call(
                        line=_line(child),
                        callee=_bounded(callee, NAME_LIMIT),
                        arguments=tuple(" ".join(_identifiers(a)) for a in arguments),
                        snippet=_bounded(_text(child), SNIPPET_LIMIT),
                        argument_count=len(arguments),
                    )
                )
                receiver, _, method = callee.rpartition(".")
                if method in _MUTATORS and re.fullmatch(r"[A-Za-z_$][\w$]*", receiver or "-"):
                    flow.mutate(
                        receiver, [n for a in arguments for n in _identifiers(a)], _line(child)
                    )
            elif child.type in _ASSIGN_NODES:
                names, value = _assigned_names(child, language)
                if value is not None:
                    flow.assign(
                        names,
                        _identifiers(value),
                        _line(child),
                        reads_request=bool(reads.search(_text(value))),
                    )
            elif child.type == "return_statement" and child.named_child_count:
                returns_values = True
            elif child.type in ("throw_statement", "throw_expression") or (
                language == "go"
                and child.type == "call_expression"
                and _text(child).startswith("panic(")
            ):
                raises = True
        request_names, derived = flow.result()
        if node.type == "arrow_function" and node.child_by_field_name("body") is not None:
            body = node.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                returns_values = True
        handler = bool(from_request) or (
            language in ("javascript", "typescript") and _is_route_callback(node, language)
        )
        if language == "java" and any(_JAVA_ROUTE_ANNOTATIONS.search(a) for a in annotations):
            handler = True
        start = _line(node)
        return Function(
            name=_bounded(_name_of(node, language, classes), NAME_LIMIT),
            start=start,
            end=_end_line(node),
            params=tuple(params),
            calls=tuple(sorted(calls, key=lambda c: c.line)),
            request_names=request_names,
            derived=derived,
            decorators=tuple(annotations),
            handler=handler,
            returns_values=returns_values,
            raises=raises,
            signature=_bounded(lines[start - 1] if start <= len(lines) else "", 160),
        )

    def visit(node: Any, classes: list[str]) -> None:
        for child in node.children:
            if len(found) >= MAX_FUNCTIONS:
                return
            if child.type in _CLASS_NODES:
                name = child.child_by_field_name("name")
                visit(child, [*classes, _text(name)] if name is not None else classes)
            elif child.is_named and child.type in _FUNCTION_NODES[language]:
                if child.type == "lambda_expression":
                    visit(child, classes)
                    continue
                found.append(build(child, classes))
                visit(child, classes)
            else:
                visit(child, classes)

    visit(tree.root_node, [])
    return found


def outline(path: str, text: str, language: str | None) -> Outline:
    """The functions of one file (an empty outline for other languages or unparsable text)."""
    if language not in LANGUAGES or len(text.encode("utf-8", "replace")) > MAX_OUTLINE_BYTES:
        return Outline(path=path, language=language or "")
    if language == "python":
        functions = _python_outline(text)
    else:
        functions = _treesitter_outline(text, language, tsx=path.lower().endswith(".tsx"))
    return Outline(path=path, language=language, functions=tuple(functions))
