"""Intra-file, inter-procedural taint analysis of Python over the stdlib `ast`.

Each function is walked once per round in statement order: branches are analysed separately and
merged, loops twice, guards (`if x not in ALLOWED: abort()`) narrow the taint of what they check.
Each function gets a summary (which parameters reach its return value and which reach sinks), and
calls to functions of the same file apply it; summaries are recomputed to a fixpoint (bounded, so
recursion terminates).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from findings.engine.syntax.pyconstants import NOT_CONSTANT, evaluate, may_fold, single_assignments
from findings.engine.syntax.pystrings import runs_shell_string
from findings.engine.syntax.redos import is_catastrophic
from findings.engine.taint import rules
from findings.engine.taint.rules import (
    ALL,
    ALL_BUT_VALIDATION,
    ERROR,
    INPUT,
    NO_DOUBLE_SLASH,
    NORMALIZED,
    NUMERIC,
    RELATIVE,
)

MAX_ROUNDS = 4
MAX_FUNCTIONS = 2000
_MONEY = (
    "amount",
    "balance",
    "price",
    "total",
    "quantity",
    "qty",
    "cost",
    "credit",
    "funds",
    "fee",
)
_URL_PARSERS = frozenset(
    {
        "urllib.parse.urlparse", "urllib.parse.urlsplit", "urlparse.urlparse", "urlparse.urlsplit",
        "werkzeug.urls.url_parse", "werkzeug.urls.urlparse", "werkzeug.urls.urlsplit",
    }
)  # fmt: skip
_PARAM = "param"
_SEP = "\x00"  # joins a container's name and one of its keys in the environment


@dataclass(frozen=True)
class Label:
    """One origin of taint: where it came from and which classes it has been cleaned of."""

    kind: str  # input | error | param
    source: str  # "request.args", "parameter `name`", "param:2"
    line: int
    cleared: frozenset[str] = frozenset()
    upload: bool = False

    def clean_for(self, cls: str) -> bool:
        if ALL in self.cleared or cls in self.cleared:
            return True
        if ALL_BUT_VALIDATION in self.cleared and cls != "input-validation":
            return True
        if cls == "path-traversal" and "~checked-path" in self.cleared:
            return True
        if cls == "open-redirect" and {RELATIVE, NO_DOUBLE_SLASH} <= self.cleared:
            return True
        return False

    def with_cleared(self, classes: Iterable[str]) -> Label:
        return Label(
            self.kind, self.source, self.line, self.cleared | frozenset(classes), self.upload
        )


Taint = frozenset[Label]
EMPTY: Taint = frozenset()


@dataclass(frozen=True)
class Hit:
    """A sink reached by taint: the class, the call's lines, the variable and the labels."""

    cls: str
    sink: str
    line: int
    end_line: int
    variable: str
    labels: Taint
    via_lines: tuple[int, ...] = ()


@dataclass
class Summary:
    returns: dict[int, frozenset[str]] = field(default_factory=dict)  # param index → cleared
    intrinsic: Taint = EMPTY
    sinks: list[tuple[int, Hit]] = field(default_factory=list)  # (param index, hit)

    def key(self) -> tuple[Any, ...]:
        return (
            tuple(sorted((k, tuple(sorted(v))) for k, v in self.returns.items())),
            frozenset(self.intrinsic),
            frozenset((index, hit.cls, hit.line) for index, hit in self.sinks),
        )


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


# A literal HTML tag: `<b>`, `<br/>`, `<a href=`, `</div>`, `<!--`; not `a < b` nor `a<b AND`.
_HTML_TAG = re.compile(
    r"<(?:[a-zA-Z][a-zA-Z0-9-]*(?:\s*/?>|\s+[a-zA-Z-]+\s*=)|/[a-zA-Z][a-zA-Z0-9-]*\s*>|!--)"
)
HTML_BUILT = "HTML built from input"


def _is_output_call(call: ast.Call, module: ModuleInfo) -> bool:
    """print(...) or a logging call: where a built string is text, not a page."""
    name = module.qualname(call.func) or ""
    method = name.rsplit(".", 1)[-1]
    return name == "print" or ("." in name and (method in rules.LOG_METHODS or method == "log"))


def _walk(tree: ast.AST) -> tuple[list[ast.AST], dict[type[Any], list[ast.AST]]]:
    """ast.walk's nodes in its order (breadth first), and the same nodes grouped by type.

    Written out because ast.walk's generators (iter_child_nodes, iter_fields) cost more than the
    rest of a module's first read; the order and the children are the same.
    """
    nodes: list[ast.AST] = [tree]
    by_type: dict[type[Any], list[ast.AST]] = {}
    node_type = ast.AST
    for node in nodes:  # grows while it is read: a breadth-first queue
        kind = node.__class__
        bucket = by_type.get(kind)
        if bucket is None:
            by_type[kind] = [node]
        else:
            bucket.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        nodes.append(item)
            elif isinstance(value, node_type):
                nodes.append(value)
    return nodes, by_type


def _terminates(body: list[ast.stmt], module: ModuleInfo) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        name = module.qualname(last.value.func)
        return name in rules.TERMINATORS or (name or "").rsplit(".", 1)[-1] == "abort"
    if isinstance(last, ast.If):
        return _terminates(last.body, module) and _terminates(last.orelse, module)
    return False


class ModuleInfo:
    """What a file imports, defines and configures, read once before the functions are walked."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.imports: dict[str, str] = {}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.constants: set[str] = set()
        self.kinds: dict[str, str] = {}
        self.safe_parsers: set[str] = set()
        self.evil_regexes: set[str] = set()
        self.upload_size_limit = False
        # One walk of the tree, shared by the engine and every AST rule (walks dominate the
        # time), its nodes also kept by type so that a rule reads only the nodes it looks at.
        self.nodes, self._by_type = _walk(tree)
        self._order: dict[ast.AST, int] | None = None
        self._parents: dict[ast.AST, ast.AST] | None = None
        self._printed: frozenset[int] | None = None
        self._calls: list[tuple[ast.Call, str]] | None = None
        for node in self.of(ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        self.imports[root] = root
            elif isinstance(node, ast.ImportFrom):
                if node.module:
                    for alias in node.names:
                        self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            else:
                self.functions.setdefault(node.name, []).append(node)
        roots = {value.split(".")[0] for value in self.imports.values()}
        self.is_flask = "flask" in roots
        self.is_fastapi = "fastapi" in roots or "starlette" in roots
        text_limits = (
            "MAX_CONTENT_LENGTH",
            "DATA_UPLOAD_MAX_MEMORY_SIZE",
            "FILE_UPLOAD_MAX_MEMORY_SIZE",
        )
        for node in tree.body:
            targets: list[ast.expr] = []
            value = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                name = _dotted(target) if not isinstance(target, ast.Subscript) else None
                if isinstance(target, ast.Subscript):
                    key = target.slice
                    if isinstance(key, ast.Constant) and key.value in text_limits:
                        self.upload_size_limit = True
                if name is None or value is None:
                    continue
                if name.rsplit(".", 1)[-1] in text_limits:
                    self.upload_size_limit = True
                if self._constant_value(value):
                    self.constants.add(name)
                if isinstance(value, ast.Call):
                    self._note_call_binding(name, value)
        for node in self.of(ast.Call):
            if isinstance(node.func, ast.Attribute):
                if node.func.attr == "update" and any(
                    keyword.arg in text_limits for keyword in node.keywords
                ):
                    self.upload_size_limit = True

    def of(self, *types: type[Any]) -> list[Any]:
        """The file's nodes of exactly these types, in the order of the walk (breadth first)."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        found = [node for kind in types for node in self._by_type.get(kind, ())]
        if sum(1 for kind in types if kind in self._by_type) > 1:
            if self._order is None:
                self._order = {node: index for index, node in enumerate(self.nodes)}
            found.sort(key=self._order.__getitem__)
        return found

    @property
    def printed(self) -> frozenset[int]:
        """ids of the arguments of print(...) and logging calls, computed once."""
        if self._printed is None:
            self._printed = frozenset(
                id(argument)
                for call in self.of(ast.Call)
                if _is_output_call(call, self)
                for argument in call.args
            )
        return self._printed

    @property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Each node's parent, computed once."""
        if self._parents is None:
            self._parents = {
                child: node for node in self.nodes for child in ast.iter_child_nodes(node)
            }
        return self._parents

    @property
    def calls(self) -> list[tuple[ast.Call, str]]:
        """Every call in the file with its resolved name ("" when it has none), computed once."""
        if self._calls is None:
            self._calls = [(node, self.qualname(node.func) or "") for node in self.of(ast.Call)]
        return self._calls

    def _note_call_binding(self, name: str, value: ast.Call) -> None:
        callee = self.qualname(value.func) or ""
        self.kinds[name] = callee
        if callee.endswith("XMLParser") and _resolves_entities_off(value):
            self.safe_parsers.add(name)
        if callee in ("re.compile", "regex.compile") and value.args:
            pattern = value.args[0]
            if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str | bytes):
                if is_catastrophic(pattern.value):
                    self.evil_regexes.add(name)

    def _constant_value(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(self._constant_value(element) for element in node.elts)
        if isinstance(node, ast.Dict):
            return all(
                key is not None and self._constant_value(key) and self._constant_value(value)
                for key, value in zip(node.keys, node.values, strict=True)
            )
        if isinstance(node, ast.Call) and _dotted(node.func) in ("frozenset", "set", "tuple"):
            return all(self._constant_value(arg) for arg in node.args)
        if isinstance(node, ast.Name):
            return node.id in self.constants
        return False

    def qualname(self, node: ast.expr) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        resolved = self.imports.get(head)
        if resolved is None:
            return dotted
        return f"{resolved}.{rest}" if rest else resolved


def _resolves_entities_off(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "resolve_entities":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value is False
    return False


def is_handler(function: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> bool:
    """A web request handler: a routed function, a Django view, or a class-based view method."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = _dotted(target) or ""
        if name.rsplit(".", 1)[-1] in rules.HANDLER_DECORATORS and (
            "." in name
            or name in ("api_view", "require_http_methods", "require_GET", "require_POST")
        ):
            return True
    params = [arg.arg for arg in function.args.args]
    if in_class and params[:1] == ["self"]:
        params = params[1:]
        if function.name in rules.CLASS_VIEW_METHODS and params[:1] in (["request"], ["req"]):
            return True
        return False
    if params[:2] == ["event", "context"]:
        return True  # an AWS Lambda handler: API Gateway puts the client's request in `event`
    return params[:1] in (["request"], ["req"])


class FunctionWalker:
    """Walks one function's body, tracking the taint of every local name."""

    def __init__(
        self,
        engine: Engine,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        handler: bool,
        method: bool,
    ):
        self.engine = engine
        self.module = engine.module
        self.function = function
        self.handler = handler
        self.env: dict[str, Taint] = {}
        self.kinds: dict[str, str] = {}
        self.aliases: dict[str, str] = {}  # urlparse(url) result → url
        # A name bound to a check (`ok = url_has_allowed_host_and_scheme(next, ...)`): testing the
        # name narrows what the check names, until the name or one of those is bound again.
        self.conditions: dict[str, tuple[ast.expr, frozenset[str]]] = {}
        self.request_names: set[str] = set(rules.REQUEST_NAMES)
        self.hits: list[Hit] = []
        self.returns: Taint = EMPTY
        self._upload_tests: list[ast.expr] = []
        # line → (expression, taint) of strings built from input around an HTML tag
        self._html_builds: dict[int, tuple[ast.expr, Taint]] = {}
        params = [arg.arg for arg in function.args.args]
        self.lambda_handler = handler and params[:2] == ["event", "context"]
        # Names the code fixes (bound once, to a value that folds): conditions on them are decided.
        self._constants: dict[str, Any] | None = None
        self._finite_checked: bool | None = None
        if function.name != "<module>":
            self.env.update(engine.module_env)
        self._seed_parameters(method)

    def _seed_parameters(self, method: bool) -> None:
        args = self.function.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        everything = list(zip(positional, defaults, strict=True)) + list(
            zip(args.kwonlyargs, args.kw_defaults, strict=True)
        )
        if args.vararg:
            everything.append((args.vararg, None))
        if args.kwarg:
            everything.append((args.kwarg, None))
        index = 0
        for arg, default in everything:
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            short = annotation.rsplit(".", 1)[-1]
            if short in rules.REQUEST_TYPES:
                self.request_names.add(arg.arg)
            taint: set[Label] = {Label(_PARAM, f"param:{index}", 0)}
            index += 1
            injected = isinstance(default, ast.Call) and (_dotted(default.func) or "").rsplit(
                ".", 1
            )[-1] in ("Depends", "Security")
            if (
                self.handler
                and arg.arg not in rules.NON_INPUT_PARAMS
                and short not in rules.NON_INPUT_PARAM_TYPES
                and not injected
            ):
                taint.add(
                    Label(
                        INPUT,
                        f"parameter `{arg.arg}`",
                        arg.lineno,
                        upload="UploadFile" in annotation,
                    )
                )
            self.env[arg.arg] = frozenset(taint)

    # ---- expressions -------------------------------------------------------------------------

    def is_sequence(self, node: ast.expr) -> bool:
        if isinstance(node, ast.List | ast.Tuple | ast.ListComp):
            return True
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id) == "list"
        if isinstance(node, ast.Call):
            return self.module.qualname(node.func) in ("shlex.split", "list")
        return False

    def program_taint(self, node: ast.expr) -> Taint:
        """What reaches the first element of a command list, the program it runs: `[cmd, ip]`
        written in the call or bound to a name earlier. Only plain values are read, so no call
        is walked (and no sink in it checked) a second time."""
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            head = node.elts[0]
            if isinstance(head, ast.Name | ast.Subscript | ast.Attribute):
                return self.taint(head)
            return EMPTY
        if isinstance(node, ast.Name) and self._container(node.id) == "l":
            items = self._list_items(node.id)
            return items[0] if items else EMPTY
        return EMPTY

    def is_safe_parser(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.module.safe_parsers or self.kinds.get(node.id) == "safe-parser"
        if isinstance(node, ast.Call):
            return _resolves_entities_off(node)
        return False

    def kind_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id) or self.module.kinds.get(node.id)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None and dotted in self.kinds:
                return self.kinds[dotted]
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                # getroot()/find()/iter() of an XML tree is an XML tree too.
                inner = self.kind_of(node.func.value)
                if inner is not None and inner.startswith(rules.XML_TREE_KINDS):
                    return "xml-tree"
            callee = self.call_name(node)
            if callee is None:
                return None
            if callee.startswith("pathlib.Path") or callee.endswith(".resolve"):
                return "pathlib.Path"
            if callee in rules.CLIENT_RESULTS:
                return rules.CLIENT_RESULTS[callee]
            head, _, method = callee.rpartition(".")
            if head in rules.CLIENT_KINDS and method in rules.CLIENT_RESULTS:
                return rules.CLIENT_RESULTS[method]
            return callee
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.kind_of(node.left)
        if isinstance(node, ast.List | ast.Tuple | ast.ListComp):
            return "list"
        return None

    def call_name(self, call: ast.Call) -> str | None:
        func = call.func
        if isinstance(func, ast.Attribute):
            kind = self.kind_of(func.value)
            if (
                kind in ("pathlib.Path", "pathlib.PurePath")
                or kind in rules.CLIENT_KINDS
                or (kind or "").endswith(("Session", "Client", "ClientSession", "AsyncClient"))
            ):
                return f"{kind}.{func.attr}"
        return self.module.qualname(func)

    def taint(self, node: ast.expr | None) -> Taint:
        if node is None:
            return EMPTY
        method = _EXPRESSIONS.get(node.__class__)
        if method is not None:
            found: Taint = method(self, node)
            return found
        result: set[Label] = set()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                result |= self.taint(child)
        return frozenset(result)

    def _t_Constant(self, node: ast.Constant) -> Taint:
        return EMPTY

    def _t_Name(self, node: ast.Name) -> Taint:
        return self.env.get(node.id, EMPTY)

    def _t_Attribute(self, node: ast.Attribute) -> Taint:
        dotted = _dotted(node)
        if dotted is not None:
            qualified = self.module.qualname(node) or dotted
            if qualified in rules.SOURCE_ATTRIBUTES:
                return frozenset({Label(INPUT, rules.SOURCE_ATTRIBUTES[qualified], node.lineno)})
            if dotted in self.env:
                return self.env[dotted]
        base = node.value
        base_name = _dotted(base)
        if base_name is not None and self._is_request(base, base_name):
            if node.attr in rules.REQUEST_ATTRIBUTES:
                return frozenset(
                    {
                        Label(
                            INPUT,
                            f"{base_name.rsplit('.', 1)[-1]}.{node.attr}",
                            node.lineno,
                            upload=node.attr in rules.UPLOAD_ATTRIBUTES,
                        )
                    }
                )
            return EMPTY
        if node.attr in rules.FORM_DATA_ATTRIBUTES:
            return frozenset({Label(INPUT, f"form.{node.attr}", node.lineno)})
        if node.attr == "data" and base_name is not None:
            parts = base_name.lower().split(".")
            if parts[-1].endswith(rules.FORM_NAME_SUFFIX) or (
                len(parts) > 1 and parts[-2].endswith(rules.FORM_NAME_SUFFIX)
            ):
                return frozenset({Label(INPUT, f"{base_name}.data", node.lineno)})
        return self.taint(base)

    def _t_Subscript(self, node: ast.Subscript) -> Taint:
        self._check_index(node)
        if isinstance(node.value, ast.Name) and not isinstance(node.slice, ast.Slice):
            element = self._element(node.value.id, node.slice)
            if element is not None:
                self.taint(node.slice)
                return element
        value = self.taint(node.value)
        if isinstance(node.slice, ast.Slice):
            return value
        return value

    def _fixed(self, node: ast.expr | None) -> Any:
        """The value of `node` when the code fixes it (constants.evaluate), else NOT_CONSTANT.
        The function's constants are worked out on the first expression that could fold."""
        if node is None or not may_fold(node):
            return NOT_CONSTANT
        if self._constants is None:
            self._constants = self.engine.constants_of(self.function)
        return evaluate(node, self._constants)

    # ---- containers --------------------------------------------------------------------------
    # A dict or list built in the function with constant keys (`m = {}; m["a"] = "safe";
    # m["b"] = param`) is tracked per key or position in the environment itself, under
    # "name\0k'key'" / "name\0i0", beside a marker "name\0d" / "name\0l" whose taint is what the
    # container may hold at positions no longer known. So `m["a"]` is clean while `m["b"]` is
    # not, and branches merge like any other name. Any use the walker cannot follow (the
    # container passed to a call, aliased, updated in bulk) folds it back into one taint.

    # A key-value object (configparser, java.util.Properties-like stores, caches) written with
    # constant keys (`conf.set("s", "keyA", "safe")`, `conf.set("s", "keyB", param)`) is
    # tracked per key under "name\0s(key)", beside a marker "name\0s" holding what it held
    # before: `conf.get("s", "keyA")` is clean, `conf.get("s", "keyB")` is not.

    def _constant_key(self, nodes: list[ast.expr]) -> str | None:
        values = [self._fixed(node) for node in nodes]
        if not values or any(value is NOT_CONSTANT for value in values):
            return None
        return repr(tuple(values))

    def _keyed_store(
        self,
        node: ast.Call,
        holder: str,
        method: str,
        receiver: Taint,
        args: list[Taint],
        kwargs: dict[str | None, Taint],
    ) -> Taint | None:
        """The result of a keyed write or read on `holder`, or None when it is neither."""
        marker = f"{holder}{_SEP}s"
        if method in _KEYED_WRITES and len(node.args) >= 2 and not node.keywords:
            key = self._constant_key(node.args[:-1])
            if key is None:
                return None
            if marker not in self.env:
                self.env[marker] = receiver
            self.env[f"{marker}{key}"] = args[-1]
            self.env[holder] = receiver | args[-1]
            return EMPTY
        if method not in _KEYED_READS or marker not in self.env or not node.args:
            return None
        extra = frozenset().union(*kwargs.values())
        for count in (len(node.args), len(node.args) - 1):
            key = self._constant_key(node.args[:count]) if count else None
            if key is not None and f"{marker}{key}" in self.env:
                fallback = frozenset().union(*args[count:])
                return self.env[f"{marker}{key}"] | fallback | extra
        if self._constant_key(node.args) is not None:
            return self.env[marker] | extra  # a key never written: what it held before
        return None

    def _container(self, name: str) -> str | None:
        if f"{name}{_SEP}d" in self.env:
            return "d"
        if f"{name}{_SEP}l" in self.env:
            return "l"
        return None

    def _items(self, name: str, prefix: str) -> dict[str, Taint]:
        start = f"{name}{_SEP}{prefix}"
        return {
            key[len(start) :]: taint for key, taint in self.env.items() if key.startswith(start)
        }

    def _list_items(self, name: str) -> list[Taint]:
        items = self._items(name, "i")
        return [items[str(index)] for index in range(len(items)) if str(index) in items]

    def _store_list(self, name: str, items: list[Taint]) -> None:
        for key in list(self._items(name, "i")):
            del self.env[f"{name}{_SEP}i{key}"]
        for index, taint in enumerate(items):
            self.env[f"{name}{_SEP}i{index}"] = taint
        self._sum_container(name)

    def _sum_container(self, name: str) -> None:
        total = set(self.env.get(f"{name}{_SEP}{self._container(name)}", EMPTY))
        for prefix in ("k", "i"):
            for taint in self._items(name, prefix).values():
                total |= taint
        self.env[name] = frozenset(total)

    def _drop_container(self, name: str) -> None:
        start = f"{name}{_SEP}"
        for key in [key for key in self.env if key.startswith(start)]:
            del self.env[key]

    def _poison(self, name: str, extra: Taint = EMPTY) -> None:
        """What the walker cannot follow: the container holds the union of everything."""
        kind = self._container(name)
        if kind is None:
            return
        total = self.env.get(name, EMPTY) | extra
        self._drop_container(name)
        self.env[f"{name}{_SEP}{kind}"] = total
        self.env[name] = total

    def _new_container(self, name: str, value: ast.expr) -> Taint | None:
        """Start tracking `name = {...}` / `[...]` / dict() / list(); None when it is not one."""
        if isinstance(value, ast.Call) and not value.args and not value.keywords:
            callee = self.call_name(value)
            if callee in ("dict", "collections.OrderedDict"):
                value = ast.Dict(keys=[], values=[])
            elif callee == "list":
                value = ast.List(elts=[], ctx=ast.Load())
        if isinstance(value, ast.Dict):
            keys = [self._fixed(key) for key in value.keys]
            if any(key is NOT_CONSTANT for key in keys):
                return None
            self._lambda_response(value)
            for element in value.values:
                if isinstance(element, ast.Name):
                    self._poison(element.id)
            elements = {
                repr(key): self.taint(element)
                for key, element in zip(keys, value.values, strict=True)
            }
            self._drop_container(name)
            self.env[f"{name}{_SEP}d"] = EMPTY
            for key, taint in elements.items():
                self.env[f"{name}{_SEP}k{key}"] = taint
        elif isinstance(value, ast.List | ast.Tuple):
            if any(isinstance(element, ast.Starred) for element in value.elts):
                return None
            for element in value.elts:
                if isinstance(element, ast.Name):
                    self._poison(element.id)  # held by the new list, changeable through it
            items = [self.taint(element) for element in value.elts]
            self._drop_container(name)
            self.env[f"{name}{_SEP}l"] = EMPTY
            self._store_list(name, items)
        else:
            return None
        self._sum_container(name)
        return self.env[name]

    def _position(self, name: str, key_node: ast.expr) -> str | None:
        """The element key of a constant subscript of a tracked container, else None."""
        kind = self._container(name)
        key = self._fixed(key_node)
        if kind is None or key is NOT_CONSTANT:
            return None
        if kind == "d":
            return f"k{key!r}"
        if not isinstance(key, int) or isinstance(key, bool):
            return None
        length = len(self._list_items(name))
        index = key + length if key < 0 else key
        return f"i{index}" if 0 <= index < length else None

    def _element(self, name: str, key_node: ast.expr) -> Taint | None:
        kind = self._container(name)
        if kind is None:
            return None
        unknown = self.env.get(f"{name}{_SEP}{kind}", EMPTY)
        position = self._position(name, key_node)
        if position is None:
            return None if self._fixed(key_node) is NOT_CONSTANT else unknown
        return self.env.get(f"{name}{_SEP}{position}", EMPTY) | unknown

    def _store_element(self, name: str, key_node: ast.expr, taint: Taint) -> bool:
        position = self._position(name, key_node)
        if position is None:
            return False
        self.env[f"{name}{_SEP}{position}"] = taint
        self._sum_container(name)
        return True

    def _container_call(self, node: ast.Call, method: str, args: list[Taint]) -> Taint:
        """The result of a tracked container's own method, keeping it tracked where it can."""
        if not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
            return EMPTY  # only called for `container.method(...)`
        name = node.func.value.id
        kind = self._container(name)
        everything = frozenset().union(*args) if args else EMPTY
        if method in ("keys", "values", "items", "copy", "index", "count", "__contains__"):
            return self.env.get(name, EMPTY)
        if kind == "d" and method in ("get", "pop") and node.args and not node.keywords:
            element = self._element(name, node.args[0])
            if element is not None:
                default = args[1] if len(args) > 1 else EMPTY
                position = self._position(name, node.args[0])
                if method == "pop" and position is not None:
                    del self.env[f"{name}{_SEP}{position}"]
                    self._sum_container(name)
                return element | default
        if kind == "l" and not node.keywords:
            items = self._list_items(name)
            unknown = self.env.get(f"{name}{_SEP}l", EMPTY)
            if method == "append" and len(args) == 1:
                self._store_list(name, [*items, args[0]])
                return EMPTY
            if method == "insert" and len(args) == 2:
                index = self._fixed(node.args[0])
                if isinstance(index, int) and not isinstance(index, bool):
                    items.insert(index, args[1])
                    self._store_list(name, items)
                    return EMPTY
            if method == "pop" and len(args) <= 1 and items:
                index = self._fixed(node.args[0]) if node.args else -1
                if isinstance(index, int) and not isinstance(index, bool):
                    if -len(items) <= index < len(items):
                        taken = items.pop(index)
                        self._store_list(name, items)
                        return taken | unknown
        self._poison(name, everything)
        return self.env.get(name, EMPTY)

    def _t_IfExp(self, node: ast.IfExp) -> Taint:
        fixed = self._fixed(node.test)
        if fixed is not NOT_CONSTANT:
            return self.taint(node.body if fixed else node.orelse)  # the other never runs
        saved = self.env
        self.env = dict(saved)
        self.narrow(node.test, True)
        body = self.taint(node.body)
        self.env = dict(saved)
        self.narrow(node.test, False)
        orelse = self.taint(node.orelse)
        self.env = saved
        self.taint(node.test)
        return body | orelse

    def _t_Compare(self, node: ast.Compare) -> Taint:
        self._check_timing(node)
        parts = [node.left, *node.comparators]
        taints = [self.taint(part) for part in parts]
        self._check_nan(node, parts, taints)
        return EMPTY  # a comparison yields a bool

    def _is_float(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id) == "float"
        return isinstance(node, ast.Call) and self.call_name(node) == "float"

    def _checks_finite(self) -> bool:
        if self._finite_checked is None:
            self._finite_checked = any(
                isinstance(node, ast.Call)
                and (_dotted(node.func) or "").rsplit(".", 1)[-1] in _FINITE_CHECKS
                for node in ast.walk(self.function)
            )
        return self._finite_checked

    def _check_nan(self, node: ast.Compare, parts: list[ast.expr], taints: list[Taint]) -> None:
        """float() takes "nan" and "inf": NaN fails every ordering, so `if amount > balance`
        lets it through, and infinity passes every upper bound. Reported at the comparison,
        unless the function checks math.isfinite/isnan/isinf."""
        if not any(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops):
            return
        for part, taint in zip(parts, taints, strict=True):
            if taint and self._is_float(part) and not self._checks_finite():
                self.record(
                    "input-validation", "a bound check NaN passes", node, taint, _first_name(part)
                )
                return

    def _t_BoolOp(self, node: ast.BoolOp) -> Taint:
        result: set[Label] = set()
        for value in node.values:
            result |= self.taint(value)
        return frozenset(result)

    def _t_Lambda(self, node: ast.Lambda) -> Taint:
        return EMPTY

    def _t_Dict(self, node: ast.Dict) -> Taint:
        result: set[Label] = set()
        for part in [*node.keys, *node.values]:
            result |= self.taint(part)
        self._lambda_response(node)
        return frozenset(result)

    def _lambda_response(self, node: ast.Dict) -> None:
        """An AWS Lambda handler's API Gateway response (`{"statusCode": 200, "body": html}`):
        the body is the page the client's browser renders."""
        if not self.lambda_handler:
            return
        keys = {
            key.value: value
            for key, value in zip(node.keys, node.values, strict=True)
            if isinstance(key, ast.Constant) and isinstance(key.value, str)
        }
        body = keys.get("body")
        if body is None or not ({"statusCode", "headers"} & keys.keys()):
            return
        if self._stringish(body):
            shown = "the Lambda response body"
            self.record("xss", shown, body, self.taint(body), _first_name(body))

    def _html_built(self, node: ast.expr, result: Taint) -> None:
        """Remember a string built from input around a literal HTML tag (`f"<b>{name}</b>"`,
        `link % text`): reported where it is built unless the same input reaches an HTML sink
        of this function (see report_html_builds)."""
        if not result or not any(
            label.kind in (INPUT, _PARAM) and not label.clean_for("xss") for label in result
        ):
            return
        if self._has_html_literal(node):
            self._html_builds[node.lineno] = (node, result)

    def _has_html_literal(self, node: ast.expr) -> bool:
        return any(_HTML_TAG.search(text) for text in self._literal_parts(node))

    def _literal_parts(self, node: ast.expr) -> Iterator[str]:
        """The literal text a string expression is built around (names the code fixes too)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                yield node.value
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.value
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            yield from self._literal_parts(node.left)
            if isinstance(node.op, ast.Add):
                yield from self._literal_parts(node.right)
        elif isinstance(node, ast.Name):
            value = self._fixed(node)
            if isinstance(value, str):
                yield value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield from self._literal_parts(node.func.value)

    def report_html_builds(self) -> None:
        """After the walk: HTML built from input whose input reaches no HTML sink here (it goes
        into a template context, a Lambda dict, an e-mail, a helper of another file)."""
        if not self._html_builds:
            return
        sent = {
            (label.kind, label.source, label.line)
            for hit in self.hits
            if hit.cls == "xss"
            for label in hit.labels
        }
        printed = self.module.printed
        for _line, (node, taint) in sorted(self._html_builds.items()):
            if {(label.kind, label.source, label.line) for label in taint} & sent:
                continue
            if id(node) in printed:
                continue  # printed or logged: text in a log, not a page
            variable = next(
                (
                    part.id
                    for part in ast.walk(node)
                    if isinstance(part, ast.Name) and self.env.get(part.id)
                ),
                _first_name(node),
            )
            self.record("xss", HTML_BUILT, node, taint, variable)

    def _t_JoinedStr(self, node: ast.JoinedStr) -> Taint:
        result: set[Label] = set()
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = self.taint(value.value)
                if value.conversion == ord("r"):
                    inner = frozenset(label.with_cleared({"log-injection"}) for label in inner)
                result |= inner
        found = self._fixed_host(node, frozenset(result))
        self._html_built(node, found)
        return found

    def _t_BinOp(self, node: ast.BinOp) -> Taint:
        result = self.taint(node.left) | self.taint(node.right)
        self._check_money(node, result)
        found = self._fixed_host(node, result)
        if isinstance(node.op, ast.Add | ast.Mod):
            self._html_built(node, found)
        return found

    def _fixed_host(self, node: ast.expr, result: Taint) -> Taint:
        """A URL built on a constant "scheme://host/" prefix cannot be sent to another host."""
        prefix = _leading_constant(node)
        if prefix is None or not result:
            return result
        scheme, sep, rest = prefix.partition("://")
        if sep and scheme.isalpha() and "/" in rest and rest.index("/") > 0:
            return frozenset(label.with_cleared({"ssrf", "open-redirect"}) for label in result)
        if prefix.startswith("/") and not prefix.startswith("//") and len(prefix) > 1:
            return frozenset(label.with_cleared({"open-redirect"}) for label in result)
        return result

    def _t_Await(self, node: ast.Await) -> Taint:
        return self.taint(node.value)

    def _t_NamedExpr(self, node: ast.NamedExpr) -> Taint:
        value = self.taint(node.value)
        self.bind(node.target, node.value, value)
        return value

    def _t_ListComp(self, node: Any) -> Taint:
        saved = dict(self.env)
        for generator in node.generators:
            self.bind(generator.target, None, self.taint(generator.iter))
            for condition in generator.ifs:
                self.narrow(condition, True)
        if isinstance(node, ast.DictComp):
            result = self.taint(node.key) | self.taint(node.value)
        else:
            result = self.taint(node.elt)
        self.env = saved
        return result

    _t_SetComp = _t_ListComp
    _t_GeneratorExp = _t_ListComp
    _t_DictComp = _t_ListComp

    def _t_Call(self, node: ast.Call) -> Taint:
        name = self.call_name(node)
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        receiver = self.taint(func.value) if isinstance(func, ast.Attribute) else EMPTY
        args = [self.taint(arg) for arg in node.args]
        kwargs = {keyword.arg: self.taint(keyword.value) for keyword in node.keywords}
        everything = frozenset().union(*args, *kwargs.values()) if (args or kwargs) else EMPTY

        self.check_sinks(node, name, method, receiver, args, kwargs)
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            if isinstance(argument, ast.Name):
                self._poison(argument.id, everything)  # the callee may put any argument in
        if (
            method is not None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and self._container(func.value.id)
        ):
            return self._container_call(node, method, args)
        if (
            method is not None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id not in ("self", "cls")
        ):
            stored = self._keyed_store(node, func.value.id, method, receiver, args, kwargs)
            if stored is not None:
                return stored
            if method in _STORING_METHODS and everything:
                # An object told to keep input (`buf.write(param)`, `cache.set(key, param)`)
                # hands it back from its readers (`buf.getvalue()`, `cache.get(...)`).
                self.env[func.value.id] = receiver | everything

        source = self._call_source(node, name, method)
        if source is not None:
            return frozenset({source}) | receiver
        if name in rules.ERROR_FUNCTIONS:
            return frozenset({Label(ERROR, f"{name}()", node.lineno)})
        sanitizer = rules.SANITIZERS.get(name or "") or (
            rules.SANITIZERS.get(f"*.{method}") if method else None
        )
        if sanitizer is not None:
            base = everything | (receiver if method == "resolve" else EMPTY)
            if ALL in sanitizer.clears:
                return EMPTY
            return frozenset(
                label.with_cleared(sanitizer.clears | sanitizer.adds) for label in base
            )
        if name in _URL_PARSERS:
            return everything
        local = self.engine.local_function(node, self)
        if local is not None:
            return self.engine.apply_summary(local, node, self)
        if method is not None:
            if method in ("get", "pop", "setdefault", "__getitem__") and not receiver:
                return EMPTY  # a lookup in a clean mapping returns one of its own values
            if method in ("replace", "sub") and _breaks_lines(node):
                return frozenset(
                    label.with_cleared({"log-injection"}) for label in receiver | everything
                )
            if method in ("startswith", "endswith", "isdigit", "isalnum", "isalpha", "isdecimal"):
                return EMPTY
            if method in ("format",):
                found = self._fixed_host(node, receiver | everything)
                self._html_built(node, found)
                return found
            return receiver | everything
        if name == "str" or name == "repr":
            return everything if name == "str" else self._sanitized("repr", everything)
        return everything

    def _sanitized(self, name: str, taint: Taint) -> Taint:
        sanitizer = rules.SANITIZERS[name]
        return frozenset(label.with_cleared(sanitizer.clears | sanitizer.adds) for label in taint)

    def _call_source(self, node: ast.Call, name: str | None, method: str | None) -> Label | None:
        if name in rules.SOURCE_CALLS:
            return Label(INPUT, rules.SOURCE_CALLS[name], node.lineno)
        if method is not None and f"*.{method}" in rules.SOURCE_CALLS:
            return Label(INPUT, rules.SOURCE_CALLS[f"*.{method}"], node.lineno)
        if method in rules.FILE_READ_METHODS and isinstance(node.func, ast.Attribute):
            opener = self.kind_of(node.func.value)
            if opener in rules.FILE_OPENERS:
                return Label(INPUT, "a file read", node.lineno)
        if method in rules.REQUEST_METHODS and isinstance(node.func, ast.Attribute):
            base = _dotted(node.func.value)
            if base is not None and self._is_request(node.func.value, base):
                return Label(INPUT, f"{base.rsplit('.', 1)[-1]}.{method}()", node.lineno)
        if (
            method in rules.HANDLER_INPUT_METHODS
            and isinstance(node.func, ast.Attribute)
            and _dotted(node.func.value) == "self"
        ):
            return Label(INPUT, f"self.{method}()", node.lineno)
        return None

    # ---- sinks -------------------------------------------------------------------------------

    def _sink_for(self, name: str | None, method: str | None, node: ast.Call) -> rules.Sink | None:
        if name and name in rules.SINKS:
            return rules.SINKS[name]
        if method is not None:
            if method in rules.LOG_METHODS and method != "fatal":
                receiver = _dotted(node.func.value) or ""  # type: ignore[attr-defined]
                if "log" in receiver.rsplit(".", 1)[-1].lower():
                    return rules.SINKS[f"logger.{method}"]
                return None
            return rules.SINKS.get(f"*.{method}")
        return None

    def check_sinks(
        self,
        node: ast.Call,
        name: str | None,
        method: str | None,
        receiver: Taint,
        args: list[Taint],
        kwargs: dict[str | None, Taint],
    ) -> None:
        sink = self._sink_for(name, method, node)
        shown = name or method or "call"
        if sink is not None and (sink.condition is None or sink.condition(node, self)):
            reached: set[Label] = set()
            variable = ""
            if sink.receiver and isinstance(node.func, ast.Attribute):
                reached |= receiver
                variable = variable or _first_name(node.func.value)
            indices: Iterable[int] = sink.args
            if sink.program is not None and runs_shell_string(node.args[sink.program :]):
                indices = range(sink.program, len(args))
            elif sink.program is not None:
                indices = (sink.program,)
            for index in indices:
                if index < len(args):
                    reached |= args[index]
                    if args[index]:
                        variable = variable or _first_name(node.args[index])
            for keyword in node.keywords:
                if keyword.arg in sink.kwargs:
                    reached |= kwargs[keyword.arg]
                    variable = variable or _first_name(keyword.value)
            if sink.upload:
                reached = {label for label in reached if label.upload or label.kind == _PARAM}
                if self._upload_checked():
                    reached = set()
            # A deserializer is reported when data from a source reaches it, like every other
            # sink: flagging any non-literal argument flagged the safe twin as often as the flaw.
            self.record(sink.cls, shown, node, frozenset(reached), variable)
            if sink.cls == "redos" and len(node.args) > 1 and not args[0]:
                pattern = node.args[0]
                if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str | bytes):
                    if is_catastrophic(pattern.value):
                        self.record("redos", shown, node, args[1], _first_name(node.args[1]))
        if method in ("match", "search", "fullmatch", "findall", "finditer", "sub", "split"):
            holder = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
            if holder is not None and (
                holder in self.module.evil_regexes or self.kinds.get(holder) == "evil-regex"
            ):
                subject_index = 1 if method == "sub" else 0
                if subject_index < len(args):
                    self.record(
                        "redos",
                        f"{holder}.{method}",
                        node,
                        args[subject_index],
                        _first_name(node.args[subject_index]),
                    )
        if (
            method in ("update", "setdefault", "__setitem__")
            and isinstance(node.func, ast.Attribute)
            and self._is_session(node.func.value)
        ):
            everything = frozenset().union(*args, *kwargs.values()) if (args or kwargs) else EMPTY
            self.record(
                "trust-boundary", "the session", node, everything, _first_tainted(node, self)
            )
        if method == "save" and isinstance(node.func, ast.Attribute):
            self._upload_sink(node, receiver | frozenset().union(*args) if args else receiver)
        if name in rules.RESPONSES:
            everything = frozenset().union(*args, *kwargs.values()) if (args or kwargs) else EMPTY
            self.record("error-disclosure", shown, node, everything, _first_tainted(node, self))
            if name in rules.HTML_RESPONSES and args and not _non_html(node):
                self.record("xss", shown, node, args[0], _first_name(node.args[0]))
            if name == "flask.render_template" or name == "django.shortcuts.render":
                pass
        if name in ("flask.render_template_string", "jinja2.Template") or (
            method == "render" and isinstance(node.func, ast.Attribute)
        ):
            self._inline_template(node, name, kwargs)

    def _inline_template(
        self, node: ast.Call, name: str | None, kwargs: dict[str | None, Taint]
    ) -> None:
        template = node.args[0] if node.args else None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "render":
            template_call = node.func.value
            if not (
                isinstance(template_call, ast.Call)
                and self.module.qualname(template_call.func) == "jinja2.Template"
            ):
                return
            template = template_call.args[0] if template_call.args else None
        text = _constant_text(template, self.module)
        if text is None or "|safe" not in text.replace(" ", ""):
            return
        for keyword in node.keywords:
            if keyword.arg and f"{keyword.arg}" in text:
                self.record(
                    "xss", name or "render", node, kwargs.get(keyword.arg, EMPTY), keyword.arg
                )

    def _upload_sink(self, node: ast.Call, taint: Taint) -> None:
        uploads = frozenset(label for label in taint if label.upload)
        if not uploads:
            return
        if self._upload_checked():
            return
        cwe_class = "unbounded-upload"
        self.record(cwe_class, "upload.save", node, uploads, _first_name(node.func.value))  # type: ignore[attr-defined]

    def _upload_checked(self) -> bool:
        checks = self._upload_checks()
        size_checked = "size" in checks or self.module.upload_size_limit
        return "type" in checks and size_checked

    def _intrinsic(self, cls: str, shown: str, node: ast.Call) -> None:
        argument = node.args[0] if node.args else None
        if argument is None or isinstance(argument, ast.Constant):
            return
        label = Label(INPUT, "data of unknown origin", node.lineno)
        self.engine.add_hit(
            Hit(
                cls,
                shown,
                node.lineno,
                node.end_lineno or node.lineno,
                _first_name(argument),
                frozenset({label}),
            ),
            confidence="medium",
        )

    def record(self, cls: str, sink: str, node: ast.AST, taint: Taint, variable: str) -> None:
        wanted = ERROR if cls == "error-disclosure" else INPUT
        labels = frozenset(
            label
            for label in taint
            if (label.kind == wanted or label.kind == _PARAM) and not label.clean_for(cls)
        )
        if not labels:
            return
        if cls == "input-validation" and not all(
            NUMERIC in label.cleared or label.kind == _PARAM for label in labels
        ):
            labels = frozenset(label for label in labels if NUMERIC in label.cleared)
            if not labels:
                return
        line = node.lineno  # type: ignore[attr-defined]
        hit = Hit(cls, sink, line, getattr(node, "end_lineno", None) or line, variable, labels)
        self.hits.append(hit)

    def _check_index(self, node: ast.Subscript) -> None:
        index = node.slice
        parts = [index.lower, index.upper] if isinstance(index, ast.Slice) else [index]
        for part in parts:
            if part is None:
                continue
            taint = frozenset(
                label
                for label in self.taint(part)
                if NUMERIC in label.cleared or label.kind == _PARAM
            )
            taint = frozenset(
                label for label in taint if label.kind != _PARAM or self._param_numeric(part)
            )
            if taint:
                self.record("input-validation", "index", node, taint, _first_name(part))

    def _param_numeric(self, node: ast.expr) -> bool:
        return False

    def _check_money(self, node: ast.BinOp, taint: Taint) -> None:
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            return
        names = " ".join(filter(None, (_dotted(node.left), _dotted(node.right)))).lower()
        if any(word in names for word in _MONEY):
            numeric = frozenset(label for label in taint if NUMERIC in label.cleared)
            self.record("input-validation", "amount arithmetic", node, numeric, _first_name(node))

    def _check_timing(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq):
            return
        left, right = node.left, node.comparators[0]
        for secret, other in ((left, right), (right, left)):
            if _secret_named(secret) and not isinstance(other, ast.Constant):
                taint = self.taint(other)
                if taint:
                    self.record("timing-compare", "==", node, taint, _first_name(other))
                    return

    # ---- statements --------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: ast.expr | None, taint: Taint) -> None:
        if isinstance(target, ast.Name):
            if any(f"{target.id}{_SEP}{kind}" in self.env for kind in "dls"):
                self._drop_container(target.id)
            self.env[target.id] = taint
            self.kinds.pop(target.id, None)
            self.aliases.pop(target.id, None)
            if self.conditions:
                self._forget_conditions(target.id)
            if value is not None and _guard_like(value):
                checked = frozenset(_names_in(value))
                if target.id not in checked:
                    self.conditions[target.id] = (value, checked)
            if value is not None:
                self._note_kind(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for element, element_value in zip(target.elts, value.elts, strict=True):
                    self.bind(element, element_value, self.taint(element_value))
            else:
                for element in target.elts:
                    self.bind(element, None, taint)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, None, taint)
        elif isinstance(target, ast.Attribute):
            dotted = _dotted(target)
            if dotted is not None:
                self.env[dotted] = taint
                if value is not None:
                    self._note_kind(dotted, value)
            base = _dotted(target.value)
            if base is not None and base in self.env:
                self.env[base] = self.env[base] | taint
        elif isinstance(target, ast.Subscript):
            base = _dotted(target.value)
            if base is not None:
                self.env[base] = self.env.get(base, EMPTY) | taint

    def _forget_conditions(self, name: str) -> None:
        for flag, (_check, checked) in list(self.conditions.items()):
            if flag == name or name in checked:
                del self.conditions[flag]

    def _note_kind(self, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Await):
            value = value.value
        if self.kinds.get(name) == "float":
            del self.kinds[name]  # bound again: what it holds now decides
        if isinstance(value, ast.Call) and self.call_name(value) == "float":
            self.kinds[name] = "float"
        kind = self.kind_of(value)
        if kind:
            self.kinds[name] = kind
        elif isinstance(value, ast.JoinedStr | ast.BinOp | ast.Call) and self._has_html_literal(
            value
        ):
            self.kinds[name] = "html"
        if isinstance(value, ast.Call):
            callee = self.call_name(value) or ""
            if callee.endswith("XMLParser") and _resolves_entities_off(value):
                self.kinds[name] = "safe-parser"
            if callee in _URL_PARSERS and value.args:
                source = _dotted(value.args[0])
                if source is not None:
                    self.aliases[name] = source
            if callee in ("re.compile", "regex.compile") and value.args:
                pattern = value.args[0]
                if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str | bytes):
                    if is_catastrophic(pattern.value):
                        self.kinds[name] = "evil-regex"
        if isinstance(value, ast.Attribute) and value.attr in ("netloc", "hostname", "scheme"):
            inner = value.value
            if isinstance(inner, ast.Call) and self.call_name(inner) in _URL_PARSERS and inner.args:
                source = _dotted(inner.args[0])
                if source is not None:
                    self.aliases[name] = source
            elif isinstance(inner, ast.Name) and inner.id in self.aliases:
                self.aliases[name] = self.aliases[inner.id]

    def run(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        handler = _STATEMENTS.get(node.__class__)
        if handler is not None:
            handler(self, node)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.taint(child)

    def _s_FunctionDef(self, node: ast.stmt) -> None:
        return None  # nested functions are walked on their own

    _s_AsyncFunctionDef = _s_FunctionDef
    _s_ClassDef = _s_FunctionDef

    def _s_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            tracked = self._new_container(node.targets[0].id, node.value)
            if tracked is not None:
                self._note_kind(node.targets[0].id, node.value)
                return
        taint = self.taint(node.value)
        if isinstance(node.value, ast.Name):
            self._poison(node.value.id)  # an alias could change it behind the walker's back
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self.taint(target.slice)
                if self._is_session(target.value):
                    self.record(
                        "trust-boundary", "the session", node, taint, _first_name(node.value)
                    )
                if isinstance(target.value, ast.Name) and self._container(target.value.id):
                    if not self._store_element(target.value.id, target.slice, taint):
                        self._poison(target.value.id, taint)
                    continue
            self.bind(target, node.value, taint)

    def _s_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                name = target.value.id
                position = self._position(name, target.slice)
                if position is not None and position.startswith("i"):
                    items = self._list_items(name)
                    del items[int(position[1:])]
                    self._store_list(name, items)
                elif position is not None:
                    self.env.pop(f"{name}{_SEP}{position}", None)
                    self._sum_container(name)
                else:
                    self._poison(name)
            elif isinstance(target, ast.Name):
                self._drop_container(target.id)

    def _is_session(self, node: ast.expr) -> bool:
        """Flask's `session`, Django's `request.session` (also `self.request.session`)."""
        if self.module.qualname(node) == "flask.session":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "session":
            base = _dotted(node.value)
            return base is not None and self._is_request(node.value, base)
        return False

    def _is_request(self, node: ast.expr, dotted: str) -> bool:
        """A request object: a handler's request parameter, `self.request`, or a framework's
        module-level request (`flask.request` however it was imported)."""
        return (
            dotted in self.request_names
            or dotted == "self.request"
            or self.module.qualname(node) in rules.REQUEST_OBJECTS
        )

    def _s_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.bind(node.target, node.value, self.taint(node.value))

    def _s_AugAssign(self, node: ast.AugAssign) -> None:
        taint = self.taint(node.value)
        target_name = (_dotted(node.target) or "").lower()
        if isinstance(node.op, ast.Add | ast.Sub | ast.Mult) and any(
            word in target_name for word in _MONEY
        ):
            numeric = frozenset(label for label in taint if NUMERIC in label.cleared)
            self.record(
                "input-validation", "amount arithmetic", node, numeric, _first_name(node.value)
            )
        current = self.taint(node.target)
        name = _dotted(node.target)
        target = node.target
        if isinstance(target, ast.Name) and self._container(target.id):
            self._poison(target.id, taint)  # `items += more`: positions no longer known
        elif name is not None:
            self.env[name] = current | taint
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and self._container(target.value.id)
        ):
            if not self._store_element(target.value.id, target.slice, current | taint):
                self._poison(target.value.id, taint)
        elif isinstance(target, ast.Subscript):
            self.bind(target, None, taint)

    def _s_Return(self, node: ast.Return) -> None:
        if node.value is None:
            return
        taint = self.taint(node.value)
        self.returns |= taint
        if not self.handler:
            return
        self.record("error-disclosure", "the response", node, taint, _first_name(node.value))
        if self.module.is_flask and not self.module.is_fastapi:
            body = node.value
            if isinstance(body, ast.Tuple) and body.elts:
                body = body.elts[0]
            if self._stringish(body):
                self.record("xss", "the HTML response", node, self.taint(body), _first_name(body))

    def _stringish(self, node: ast.expr) -> bool:
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return _has_str_constant(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in ("format", "join") and _has_str_constant(node.func.value)
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id) == "html"
        return False

    def _s_Expr(self, node: ast.Expr) -> None:
        self.taint(node.value)

    def _s_If(self, node: ast.If) -> None:
        fixed = self._fixed(node.test)
        if fixed is not NOT_CONSTANT:
            self.run(node.body if fixed else node.orelse)  # the other branch never runs
            return
        self.taint(node.test)
        self._upload_tests.append(node.test)
        saved = self.env
        self.env = dict(saved)
        self.narrow(node.test, True)
        self.run(node.body)
        body_env = self.env
        self.env = dict(saved)
        self.narrow(node.test, False)
        self.run(node.orelse)
        else_env = self.env
        body_ends = _terminates(node.body, self.module)
        else_ends = _terminates(node.orelse, self.module)
        if body_ends and not else_ends:
            self.env = else_env
        elif else_ends and not body_ends:
            self.env = body_env
        else:
            self.env = _merge(body_env, else_env)

    def _s_While(self, node: ast.While) -> None:
        if self._fixed(node.test) is False:
            self.run(node.orelse)
            return
        for _ in range(2):
            self.taint(node.test)
            saved = dict(self.env)
            self.narrow(node.test, True)
            self.run(node.body)
            self.env = _merge(saved, self.env)
        self.run(node.orelse)

    def _s_For(self, node: ast.For) -> None:
        iterable = self.taint(node.iter)
        for _ in range(2):
            saved = dict(self.env)
            self.bind(node.target, None, iterable)
            self.run(node.body)
            self.env = _merge(saved, self.env)
        self.run(node.orelse)

    _s_AsyncFor = _s_For

    def _s_With(self, node: ast.With) -> None:
        for item in node.items:
            taint = self.taint(item.context_expr)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, item.context_expr, taint)
                if isinstance(item.optional_vars, ast.Name):
                    kind = self.kind_of(item.context_expr)
                    if kind:
                        self.kinds[item.optional_vars.id] = kind
        self.run(node.body)

    _s_AsyncWith = _s_With

    def _s_Try(self, node: ast.Try) -> None:
        saved = dict(self.env)
        self.run(node.body)
        after_body = dict(self.env)
        ends = [after_body]
        for handler in node.handlers:
            self.env = _merge(saved, after_body)
            if handler.name:
                self.env[handler.name] = frozenset(
                    {Label(ERROR, f"exception `{handler.name}`", handler.lineno)}
                )
            self.run(handler.body)
            if not _terminates(handler.body, self.module):
                ends.append(self.env)
        self.env = after_body
        self.run(node.orelse)
        ends[0] = self.env
        merged = ends[0]
        for env in ends[1:]:
            merged = _merge(merged, env)
        self.env = merged
        self.run(node.finalbody)

    _s_TryStar = _s_Try

    def _s_Match(self, node: ast.Match) -> None:
        taken = self._case_taken(node)
        if taken is not None:
            self.run(taken.body)
            return
        self.taint(node.subject)
        saved = self.env
        ends = []
        for case in node.cases:
            self.env = dict(saved)
            self.run(case.body)
            ends.append(self.env)
        merged = dict(saved)
        for env in ends:
            merged = _merge(merged, env)
        self.env = merged

    def _case_taken(self, node: ast.Match) -> ast.match_case | None:
        """The case a constant subject takes, when every case before it is a plain value."""
        subject = self._fixed(node.subject)
        if subject is NOT_CONSTANT:
            return None
        for case in node.cases:
            if case.guard is not None:
                return None
            pattern = case.pattern
            options = pattern.patterns if isinstance(pattern, ast.MatchOr) else [pattern]
            for option in options:
                if isinstance(option, ast.MatchAs) and option.pattern is None:
                    return case if option.name is None else None  # `case _:`
                if isinstance(option, ast.MatchSingleton):
                    if option.value is subject:
                        return case
                elif isinstance(option, ast.MatchValue):
                    value = self._fixed(option.value)
                    if value is NOT_CONSTANT:
                        return None
                    if value == subject:
                        return case
                else:
                    return None
        return None

    # ---- guards ------------------------------------------------------------------------------

    def _upload_checks(self) -> set[str]:
        """What the `if` tests seen so far check about an upload ("type", "size"); read only
        when an upload reaches a sink, because unparsing every test is costly."""
        checks: set[str] = set()
        for test in self._upload_tests:
            self._note_upload_checks(test, checks)
        return checks

    def _note_upload_checks(self, test: ast.expr, checks: set[str]) -> None:
        text = ast.unparse(test).lower()
        if any(
            word in text
            for word in (
                "filename",
                "ext",
                "suffix",
                "content_type",
                "mimetype",
                "allowed",
                "endswith",
                "imghdr",
                "magic",
            )
        ):
            checks.add("type")
        if any(word in text for word in ("content_length", "size", "len(", "tell(", "max_")):
            checks.add("size")

    def narrow(self, test: ast.expr, truth: bool) -> None:
        """Clean what `test` proves about its names when it evaluates to `truth`."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self.narrow(test.operand, not truth)
            return
        if isinstance(test, ast.Name) and test.id in self.conditions:
            self.narrow(self.conditions[test.id][0], truth)
            return
        if isinstance(test, ast.BoolOp):
            conjunctive = isinstance(test.op, ast.And)
            if conjunctive == truth:
                for value in test.values:
                    self.narrow(value, truth)
            return
        if isinstance(test, ast.Compare) and len(test.ops) >= 1:
            self._narrow_compare(test, truth)
            return
        if isinstance(test, ast.Call):
            self._narrow_call(test, truth)
            return
        if (
            isinstance(test, ast.Attribute)
            and test.attr in ("netloc", "scheme", "hostname")
            and not truth
        ):
            source = self._alias_target(test.value)
            if source is not None:
                self._clear(source, {"open-redirect"})

    def _alias_target(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return self.aliases[node.id]
        if isinstance(node, ast.Call) and self.call_name(node) in _URL_PARSERS and node.args:
            return _dotted(node.args[0])
        if isinstance(node, ast.Attribute):
            return self._alias_target(node.value)
        return None

    def _clear(self, name: str, classes: set[str] | frozenset[str]) -> None:
        if name not in self.env:
            return
        if ALL in classes:
            self.env[name] = EMPTY
            return
        self.env[name] = frozenset(label.with_cleared(classes) for label in self.env[name])

    def _clean_container(self, node: ast.expr) -> bool:
        if self.taint(node):
            return False
        return isinstance(
            node, ast.Name | ast.Attribute | ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Call
        )

    def _narrow_compare(self, test: ast.Compare, truth: bool) -> None:
        op = test.ops[0]
        left, right = test.left, test.comparators[0]
        if isinstance(op, ast.In | ast.NotIn) and len(test.ops) == 1:
            proven = truth if isinstance(op, ast.In) else not truth
            if not proven or not self._clean_container(right):
                return
            name = _dotted(left)
            if name is not None:
                self._clear(name, {ALL})
            source = self._alias_target(left)
            if source is not None:
                self._clear(source, {"ssrf", "open-redirect"})
            return
        if isinstance(op, ast.Eq | ast.NotEq) and len(test.ops) == 1:
            proven = truth if isinstance(op, ast.Eq) else not truth
            for side, other in ((left, right), (right, left)):
                if isinstance(side, ast.Call) and self.call_name(side) == "os.path.commonpath":
                    if proven and not self.taint(other):
                        for name in _names_in(side):
                            self._checked_path(name)
                if proven and isinstance(other, ast.Constant):
                    name = _dotted(side)
                    if name is not None:
                        self._clear(name, {ALL})
                    source = self._alias_target(side)
                    if source is not None:
                        self._clear(source, {"ssrf", "open-redirect"})
            return
        if all(isinstance(item, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for item in test.ops):
            for part in [left, *test.comparators]:
                name = _dotted(part)
                if name is not None:
                    self._clear(name, {"input-validation"})

    def _narrow_call(self, test: ast.Call, truth: bool) -> None:
        func = test.func
        name = self.call_name(test) or ""
        if isinstance(func, ast.Attribute):
            target = _dotted(func.value)
            if func.attr in ("startswith", "is_relative_to") and truth and target is not None:
                argument = test.args[0] if test.args else None
                if func.attr == "startswith" and isinstance(argument, ast.Constant):
                    if argument.value == "/":
                        self._clear(target, {RELATIVE})
                        return
                if argument is not None and not self.taint(argument):
                    self._checked_path(target)
                return
            if func.attr == "startswith" and not truth and target is not None and test.args:
                argument = test.args[0]
                text = ast.unparse(argument)
                if "//" in text:
                    self._clear(target, {NO_DOUBLE_SLASH})
                return
            if (
                func.attr
                in ("isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha", "isidentifier")
                and truth
                and target
            ):
                self._clear(target, {ALL_BUT_VALIDATION})
                return
        short = name.rsplit(".", 1)[-1]
        checked = test.args[0] if test.args else rules.keyword_argument(test, "url")
        if short in ("url_has_allowed_host_and_scheme", "is_safe_url") and truth and checked:
            target = _dotted(checked)
            if target is not None:
                self._clear(target, {"open-redirect", "ssrf"})
            return
        if name in ("re.fullmatch", "re.match") and truth and len(test.args) > 1:
            pattern = test.args[0]
            if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str):
                if (
                    name == "re.fullmatch"
                    or pattern.value.endswith("$")
                    or pattern.value.endswith("\\Z")
                ):
                    target = _dotted(test.args[1])
                    if target is not None:
                        self._clear(target, {ALL_BUT_VALIDATION})
            return
        if self.engine.local_function(test, self) is not None and truth:
            # A same-file predicate such as is_allowed(host) or allowed_file(name).
            for argument in test.args:
                target = _dotted(argument)
                if target is not None and short.startswith(("is_", "allowed", "valid", "check")):
                    self._clear(target, {ALL})

    def _checked_path(self, name: str) -> None:
        if name not in self.env:
            return
        self.env[name] = frozenset(
            label.with_cleared({"~checked-path"}) if NORMALIZED in label.cleared else label
            for label in self.env[name]
        )


def _merge(left: dict[str, Taint], right: dict[str, Taint]) -> dict[str, Taint]:
    merged = dict(left)
    for name, taint in right.items():
        merged[name] = merged.get(name, EMPTY) | taint
    # A container tracked on one side only (rebound on the other) is no longer tracked: its
    # element keys would stand for one path's value.
    markers = {key for key in merged if _SEP in key and key.endswith((f"{_SEP}d", f"{_SEP}l"))}
    for marker in markers:
        if (marker in left) != (marker in right):
            start = marker[:-1]
            for key in [key for key in merged if key.startswith(start)]:
                del merged[key]
    return merged


_CHECK_PREFIXES = ("is_", "has_", "valid", "allowed", "check", "safe", "url_has_allowed")


def _guard_like(value: ast.expr | None) -> bool:
    """A value that can be a check kept in a name: a comparison, a boolean expression, or a
    call of a predicate (`is_safe_url(...)`, `allowed_file(...)`, `s.isdigit()`)."""
    if isinstance(value, ast.Compare | ast.BoolOp | ast.UnaryOp):
        return True
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    return name.lower().startswith(_CHECK_PREFIXES) or name in _PREDICATE_METHODS


_PREDICATE_METHODS = frozenset(
    {"startswith", "endswith", "isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha",
     "isidentifier", "fullmatch", "match", "is_relative_to"}
)  # fmt: skip


def _names_in(node: ast.AST) -> list[str]:
    return [child.id for child in ast.walk(node) if isinstance(child, ast.Name)]


def _first_name(node: ast.AST) -> str:
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            return child.id
        if isinstance(child, ast.Attribute):
            dotted = _dotted(child)
            if dotted is not None:
                return dotted
    return ""


def _first_tainted(call: ast.Call, walker: FunctionWalker) -> str:
    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        if walker.taint(argument):
            return _first_name(argument)
    return ""


def _leading_constant(node: ast.expr) -> str | None:
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return None
    if isinstance(node, ast.BinOp):
        return _leading_constant(node.left)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _leading_constant(node.func.value)
    return None


# A key-value object's writes (keys first, the value last) and reads (keys, then a default).
_KEYED_WRITES = frozenset({"set", "put", "setProperty", "set_value"})
_KEYED_READS = frozenset({"get", "getProperty", "get_value"})
# Methods that store their arguments in the object they are called on.
_STORING_METHODS = frozenset(
    {"set", "put", "add", "update", "append", "extend", "insert", "write", "writelines",
     "push", "setdefault", "set_value", "setProperty", "add_section"}
)  # fmt: skip
# Calls that tell a float from NaN or infinity (math, cmath, numpy).
_FINITE_CHECKS = frozenset({"isfinite", "isnan", "isinf"})


def _has_str_constant(node: ast.AST) -> bool:
    return any(
        isinstance(child, ast.Constant) and isinstance(child.value, str) and "<" in child.value
        for child in ast.walk(node)
    )


def _constant_text(node: ast.expr | None, module: ModuleInfo) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        for statement in module.tree.body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == node.id
                for target in statement.targets
            ):
                return _constant_text(statement.value, module)
    return None


def _non_html(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg in ("mimetype", "content_type", "media_type") and isinstance(
            keyword.value, ast.Constant
        ):
            return "html" not in str(keyword.value.value)
    return False


def _breaks_lines(call: ast.Call) -> bool:
    text = ast.unparse(call.args[0]) if call.args else ""
    return any(breaker in text for breaker in rules.LOG_BREAKERS)


_SECRET_WORDS = (
    "token",
    "secret",
    "signature",
    "hmac",
    "api_key",
    "apikey",
    "digest",
    "password_hash",
    "otp",
    "mac",
)


def _secret_named(node: ast.expr) -> bool:
    name = _dotted(node)
    if name is None and isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        name = str(node.slice.value)
    if name is None and isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name is not None and name.rsplit(".", 1)[-1] in ("hexdigest", "digest"):
            return True
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1].lower()
    if last in ("mac",) or last.endswith("_mac"):
        return True
    return any(word in last for word in _SECRET_WORDS if word != "mac")


# The walker's handlers by node class, looked up once per node instead of by name.
_EXPRESSIONS: dict[type, Callable[[FunctionWalker, Any], Taint]] = {
    getattr(ast, name[3:]): function
    for name, function in vars(FunctionWalker).items()
    if name.startswith("_t_") and hasattr(ast, name[3:])
}
_STATEMENTS: dict[type, Callable[[FunctionWalker, Any], None]] = {
    getattr(ast, name[3:]): function
    for name, function in vars(FunctionWalker).items()
    if name.startswith("_s_") and hasattr(ast, name[3:])
}


class Engine:
    """One file's analysis: summaries to a fixpoint, then the hits of the final round."""

    def __init__(self, tree: ast.Module):
        self.module = ModuleInfo(tree)
        self.units: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool, bool]] = []
        self._collect(tree.body, in_class=False)
        # Top-level statements (scripts reading sys.argv, module-level loads) are one more unit.
        top = [
            node
            for node in tree.body
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        if top:
            empty = ast.arguments(
                posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]
            )
            module_unit = ast.FunctionDef(
                name="<module>", args=empty, body=top, decorator_list=[], lineno=1
            )
            # First, so that the functions of the same round see what it binds.
            self.units.insert(0, (module_unit, False, False))
        # Module-level names bound from a source (`user_input = input()`, `URL = sys.argv[1]`):
        # a function that reads one without binding it locally reads the tainted value.
        self.module_env: dict[str, Taint] = {}
        # Names bound by `:=` anywhere: an expression can rebind them, so none is a constant.
        self.walrus = frozenset(
            node.target.id
            for node in self.module.of(ast.NamedExpr)
            if isinstance(node.target, ast.Name)
        )
        # Module-level names bound once to a constant, and that no function declares global.
        declared = {name for node in self.module.of(ast.Global) for name in node.names}
        self.module_constants = {
            name: value
            for name, value in single_assignments(top, walrus=self.walrus).items()
            if name not in declared
        }
        self._constants: dict[int, dict[str, Any]] = {}
        self.summaries: dict[int, Summary] = {}
        # While a unit is walked: the summaries it reads (id(function) → summary or None).
        self._read: dict[int, Summary | None] | None = None
        self.final_hits: list[tuple[Hit, str]] = []
        self._collecting = False
        # Functions called in this file get their arguments' taint from their callers here; the
        # others are entry points whose callers live elsewhere (see _entry_point_hit).
        # A call on an imported module (`yaml.load(...)`) never calls this file's `load`.
        self.called_names = {
            call.func.id if isinstance(call.func, ast.Name) else call.func.attr
            for call in self.module.of(ast.Call)
            if (
                isinstance(call.func, ast.Name)
                or (
                    isinstance(call.func, ast.Attribute)
                    and (_dotted(call.func.value) or "").split(".")[0] not in self.module.imports
                )
            )
        }

    def constants_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
        """The names `function` fixes (constants.single_assignments), computed once per file."""
        found = self._constants.get(id(function))
        if found is None:
            found = single_assignments(function.body, self.module_constants, self.walrus)
            self._constants[id(function)] = found
        return found

    def _collect(self, body: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if len(self.units) >= MAX_FUNCTIONS:
                return
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.units.append((node, is_handler(node, in_class), in_class))
                self._collect(node.body, in_class=False)
            elif isinstance(node, ast.ClassDef):
                self._collect(node.body, in_class=True)
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        self._collect([child], in_class)

    def local_function(
        self, call: ast.Call, walker: FunctionWalker
    ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        func = call.func
        name = None
        if isinstance(func, ast.Name) and func.id not in self.module.imports:
            name = func.id
        elif isinstance(func, ast.Attribute) and _dotted(func.value) in ("self", "cls"):
            name = func.attr
        if name is None:
            return None
        candidates = self.module.functions.get(name)
        if not candidates:
            return None
        return candidates[-1]

    def apply_summary(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        call: ast.Call,
        walker: FunctionWalker,
    ) -> Taint:
        summary = self.summaries.get(id(function))
        if self._read is not None:
            self._read[id(function)] = summary
        offset = 1 if isinstance(call.func, ast.Attribute) else 0
        params = [arg.arg for arg in [*function.args.posonlyargs, *function.args.args]]
        arg_taints: dict[int, Taint] = {}
        arg_nodes: dict[int, ast.expr] = {}
        for position, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                continue
            arg_taints[position + offset] = walker.taint(argument)
            arg_nodes[position + offset] = argument
        for keyword in call.keywords:
            if keyword.arg in params:
                index = params.index(keyword.arg)
                arg_taints[index] = walker.taint(keyword.value)
                arg_nodes[index] = keyword.value
        if summary is None:
            return frozenset().union(*arg_taints.values()) if arg_taints else EMPTY
        result: set[Label] = set(summary.intrinsic)
        for index, cleared in summary.returns.items():
            for label in arg_taints.get(index, EMPTY):
                result.add(label.with_cleared(cleared))
        for index, hit in summary.sinks:
            reaching = frozenset(
                label.with_cleared(next(iter(hit.labels)).cleared)
                for label in arg_taints.get(index, EMPTY)
            )
            if reaching:
                _record_via(walker, hit, reaching, call, _first_name(arg_nodes[index]))
        return frozenset(result)

    def add_hit(self, hit: Hit, confidence: str = "high") -> None:
        if self._collecting:
            self.final_hits.append((hit, confidence))

    def run(self) -> list[tuple[Hit, str]]:
        """Walk every unit until the summaries stop changing (at most MAX_ROUNDS + 1 walks).

        Each round walks with the previous round's summaries; when a round's summaries equal the
        ones it was given, its hits are the fixpoint's, so they are kept without another walk.
        A unit whose walk read the same summaries (and module-level inputs) as in the round
        before would walk the same way, so its summary and hits are reused instead: after the
        first round only the callers of what changed are walked again.
        """
        previous = None
        self._collecting = True
        # id(unit) → its last walk
        walked: dict[int, _Walked] = {}
        for round_number in range(MAX_ROUNDS + 1):
            self.final_hits = []
            summaries: dict[int, Summary] = {}
            for function, handler, method in self.units:
                unit = id(function)
                last = walked.get(unit)
                if (
                    last is not None
                    and last[1] == self.module_env
                    and all(self.summaries.get(index) == read for index, read in last[0].items())
                ):
                    summaries[unit] = last[2]
                    self.final_hits.extend(last[3])
                    continue
                first_hit = len(self.final_hits)
                module_env = self.module_env
                self._read = {}
                walker = FunctionWalker(self, function, handler, method)
                walker.run(function.body)
                walker.report_html_builds()
                if function.name == "<module>":
                    self.module_env = _module_inputs(walker.env)
                summaries[unit] = _summarise(walker)
                self._keep_hits(walker, function, handler)
                walked[unit] = (
                    self._read,
                    module_env,
                    summaries[unit],
                    self.final_hits[first_hit:],
                )
                self._read = None
            self.summaries = summaries
            key = {index: summary.key() for index, summary in summaries.items()}
            if key == previous or round_number == MAX_ROUNDS:
                break
            previous = key
        return self.final_hits

    def _keep_hits(
        self,
        walker: FunctionWalker,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        handler: bool,
    ) -> None:
        for hit in walker.hits:
            real = frozenset(label for label in hit.labels if label.kind != _PARAM)
            if real:
                # HTML built from input may still be escaped where it is used: a lead, not proof.
                confidence = "medium" if hit.sink == HTML_BUILT else "high"
                self.final_hits.append((_with_labels(hit, real), confidence))
            elif not handler and (entry := _entry_point_hit(self, function, hit)) is not None:
                self.final_hits.append((entry, "low"))


# Sinks that run a string as code (SQL, a shell, a deserializer): a public function whose own
# parameter is built into one is reported even when its callers are in other files, because
# nothing in the function shows the value was checked. Path, URL and the other classes are
# left to real sources: pass-through helpers for them are too common to flag on suspicion.
ENTRY_POINT_CLASSES = frozenset({"sqli", "command-injection", "code-injection", "deserialization"})


def _entry_point_hit(
    engine: Engine, function: ast.FunctionDef | ast.AsyncFunctionDef, hit: Hit
) -> Hit | None:
    name = function.name
    if (
        hit.cls not in ENTRY_POINT_CLASSES
        or name == "<module>"
        or name.startswith("_")
        or name in engine.called_names
    ):
        return None
    args = function.args
    names = [arg.arg for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    names += [arg.arg for arg in (args.vararg, args.kwarg) if arg is not None]
    labels = set()
    for label in hit.labels:
        index = int(label.source.split(":", 1)[1])
        if index < len(names) and names[index] not in ("self", "cls"):
            source = f"parameter `{names[index]}` of `{name}()` (its callers are not checked)"
            labels.add(Label(INPUT, source, hit.line))
    return _with_labels(hit, frozenset(labels)) if labels else None


def _module_inputs(env: dict[str, Taint]) -> dict[str, Taint]:
    """The module's plain names that carry a source's taint after its top-level statements."""
    found = {}
    for name, taint in env.items():
        inputs = frozenset(label for label in taint if label.kind == INPUT)
        if inputs and "." not in name and _SEP not in name:
            found[name] = inputs
    return found


# One unit's last walk: the summaries it read, the module inputs it started from, the summary it
# made and the hits it kept.
_Walked = tuple[dict[int, Summary | None], dict[str, Taint], Summary, list[tuple[Hit, str]]]


def _with_labels(hit: Hit, labels: Taint) -> Hit:
    return Hit(hit.cls, hit.sink, hit.line, hit.end_line, hit.variable, labels, hit.via_lines)


def _summarise(walker: FunctionWalker) -> Summary:
    summary = Summary()
    intrinsic: set[Label] = set()
    for label in walker.returns:
        if label.kind == _PARAM:
            index = int(label.source.split(":", 1)[1])
            previous = summary.returns.get(index)
            summary.returns[index] = label.cleared if previous is None else previous & label.cleared
        else:
            intrinsic.add(label)
    summary.intrinsic = frozenset(intrinsic)
    for hit in walker.hits:
        for label in hit.labels:
            if label.kind == _PARAM:
                index = int(label.source.split(":", 1)[1])
                summary.sinks.append((index, _with_labels(hit, frozenset({label}))))
    return summary


def _record_via(
    self: FunctionWalker, hit: Hit, labels: Taint, call: ast.Call, variable: str
) -> None:
    labels = frozenset(label for label in labels if not label.clean_for(hit.cls))
    wanted = ERROR if hit.cls == "error-disclosure" else INPUT
    labels = frozenset(label for label in labels if label.kind in (wanted, _PARAM))
    if not labels:
        return
    self.hits.append(
        Hit(
            hit.cls,
            hit.sink,
            hit.line,
            hit.end_line,
            variable or hit.variable,
            labels,
            (*hit.via_lines, call.lineno),
        )
    )
