"""Constant folding for the Python data flow: which branch a condition written in the code takes.

`num = 86` then `if (7 * 42) - num > 200:` always takes its body; `guess = "ABC"` then
`if guess[1] == "B":` always takes its body. The walker follows only the branch that runs, so a
value that only the dead branch would taint is not reported. A name counts as a constant only when
the function binds it exactly once, to a value this module can fold (`single_assignments`), so no
path can see another value. Anything else (calls, attributes, names bound twice) is not constant.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable
from typing import Any

NOT_CONSTANT: Any = object()

# Folded values stay small: a constant string or number past this is not worth folding.
_MAX_TEXT = 10_000
_MAX_INT_BITS = 256

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda left, right: left in right,
    ast.NotIn: lambda left, right: left not in right,
}
_SCALARS = (int, float, str, bool, type(None))


def _small(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= _MAX_TEXT
    if isinstance(value, bool | float) or value is None:
        return True
    if isinstance(value, int):
        return value.bit_length() <= _MAX_INT_BITS
    if isinstance(value, tuple):
        return len(value) <= 100 and all(_small(item) for item in value)
    return False


_FOLDABLE = (
    ast.Constant, ast.Name, ast.Load, ast.Tuple, ast.UnaryOp, ast.BinOp, ast.Compare, ast.BoolOp,
    ast.Subscript, ast.IfExp, ast.unaryop, ast.operator, ast.cmpop, ast.boolop,
)  # fmt: skip


def may_fold(node: ast.expr) -> bool:
    """Whether `node` is made only of what `evaluate` folds: a cheap test that spares working
    out a function's constants for conditions such as `if user.is_staff:` or `if check(x):`."""
    stack: list[ast.AST] = [node]
    while stack:  # ast.walk's nodes, without its generators: this runs on every condition
        part = stack.pop()
        if not isinstance(part, _FOLDABLE):
            return False
        for name in part._fields:
            value = getattr(part, name, None)
            if value.__class__ is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return True


def evaluate(node: ast.expr | None, known: dict[str, Any]) -> Any:
    """The value of `node` when the code fixes it, else NOT_CONSTANT."""
    if node is None:
        return NOT_CONSTANT
    try:
        value = _evaluate(node, known)
    except (ArithmeticError, TypeError, ValueError, IndexError, KeyError):
        return NOT_CONSTANT
    return value if value is NOT_CONSTANT or _small(value) else NOT_CONSTANT


def _evaluate(node: ast.expr, known: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, _SCALARS) else NOT_CONSTANT
    if isinstance(node, ast.Name):
        return known.get(node.id, NOT_CONSTANT)
    if isinstance(node, ast.Tuple):
        items = tuple(_evaluate(element, known) for element in node.elts)
        return NOT_CONSTANT if any(item is NOT_CONSTANT for item in items) else items
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, known)
        if operand is NOT_CONSTANT:
            return NOT_CONSTANT
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub) and isinstance(operand, int | float):
            return -operand
        return NOT_CONSTANT
    if isinstance(node, ast.BinOp):
        function = _BINARY.get(type(node.op))
        left, right = _evaluate(node.left, known), _evaluate(node.right, known)
        if function is None or left is NOT_CONSTANT or right is NOT_CONSTANT:
            return NOT_CONSTANT
        if isinstance(node.op, ast.Mult) and isinstance(left, str | tuple):
            if not isinstance(right, int) or len(left) * right > _MAX_TEXT:
                return NOT_CONSTANT
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return NOT_CONSTANT  # %-formatting is not folded
        return function(left, right)
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, known)
        if left is NOT_CONSTANT:
            return NOT_CONSTANT
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, known)
            function = _COMPARE.get(type(op))
            if right is NOT_CONSTANT or function is None:
                return NOT_CONSTANT
            if not function(left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = [_evaluate(value, known) for value in node.values]
        if any(value is NOT_CONSTANT for value in values):
            return NOT_CONSTANT
        if isinstance(node.op, ast.And):
            return all(values)
        return any(values)
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        base, index = _evaluate(node.value, known), _evaluate(node.slice, known)
        if base is NOT_CONSTANT or index is NOT_CONSTANT or not isinstance(base, str | tuple):
            return NOT_CONSTANT
        if not isinstance(index, int) or isinstance(index, bool):
            return NOT_CONSTANT
        return base[index]
    if isinstance(node, ast.IfExp):
        test = _evaluate(node.test, known)
        if test is NOT_CONSTANT:
            return NOT_CONSTANT
        return _evaluate(node.body if test else node.orelse, known)
    return NOT_CONSTANT


# Where a statement keeps the statements and the patterns it holds.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(body: Iterable[ast.stmt]) -> Iterable[ast.AST]:
    """Every statement of `body` (and except handler and match case), nested blocks included,
    outside nested functions and classes. Expressions bind names only through `:=`, which
    `single_assignments` is told about by its caller."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # its name is bound here; what it binds inside is its own
        for block in _BLOCKS:
            stack.extend(getattr(node, block, ()))


def _bound_names(node: ast.AST) -> Iterable[str]:
    """The names a statement binds, each as often as it binds it (targets, patterns, imports)."""
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [node.target]
    elif isinstance(node, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    elif isinstance(node, ast.match_case):
        targets = [node.pattern]
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Store | ast.Del):
                yield part.id
            elif isinstance(part, ast.MatchAs | ast.MatchStar) and part.name:
                yield part.name
            elif isinstance(part, ast.MatchMapping) and part.rest:
                yield part.rest
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield (alias.asname or alias.name).split(".")[0]


def single_assignments(
    body: list[ast.stmt],
    known: dict[str, Any] | None = None,
    walrus: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The names `body` binds exactly once, by a plain `name = value` whose value folds.

    Names bound any other way (augmented, loop or `with` targets, imports, `global`, deletion,
    unpacking, or `:=` anywhere in the file: `walrus`) or more than once are left out. `known`
    holds constants from outside (the module's) that a local binding of the same name shadows."""
    counts: dict[str, int] = dict.fromkeys(walrus, 2)
    values: dict[str, ast.expr] = {}
    for node in _statements(body):
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0] if isinstance(node.targets[0], ast.Name) else None
        for name in _bound_names(node):
            counts[name] = counts.get(name, 0) + (1 if target is not None else 2)
        if target is not None and isinstance(node, ast.Assign):
            values[target.id] = node.value
    constants = {name: value for name, value in (known or {}).items() if counts.get(name, 0) == 0}
    # In source order, so `guess = "ABC"` folds before `target = guess[1]` needs it.
    for name in sorted(values, key=lambda n: values[n].lineno):
        if counts.get(name) == 1:
            value = evaluate(values[name], constants)
            if value is not NOT_CONSTANT:
                constants[name] = value
    return constants
