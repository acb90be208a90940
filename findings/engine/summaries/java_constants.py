"""Constant folding for the Java rules: values a method's own constants make dead or clean.

semgrep's taint mode follows every branch and treats a collection as one value. So input is
reported where the method's constants show it cannot arrive:

- a `switch` on a constant (`char c = "ABC".charAt(1); switch (c) { case 'A': bar = param; ...}`)
  runs one case group (and those it falls through to); assignments in the other groups are dead;
- a list built in one block from literal positions (`l.add("safe"); l.add(param);
  l.add("more"); l.remove(0); bar = l.get(1);`) hands back the literal at that position;
- a map filled in one block under literal keys (`m.put("keyA", "safe"); m.put("keyB", param);
  bar = m.get("keyA");`) hands back what was put under that key.

Each such value is wrapped in `java.SAFE_WRAPPER(...)`, the sanitizer every Java taint rule
lists, before semgrep reads the file. The wrapper adds characters, never lines, so findings keep
their line numbers. A collection whose use the fold cannot follow (passed to a call, changed in a
nested block, read at a position it cannot work out) is left alone: the fold only removes flows
it can prove absent. tree-sitter is the parser the Java summaries already use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from findings.engine.summaries.java import _parser, wrap_ranges

_LISTS = frozenset({"ArrayList", "LinkedList", "Vector", "CopyOnWriteArrayList"})
_MAPS = frozenset({"HashMap", "LinkedHashMap", "TreeMap", "Hashtable", "ConcurrentHashMap"})
_LITERALS = frozenset(
    {
        "string_literal",
        "character_literal",
        "decimal_integer_literal",
        "true",
        "false",
        "null_literal",
    }
)
_ENDS_GROUP = frozenset({"break_statement", "return_statement", "throw_statement",
                         "continue_statement"})  # fmt: skip
_METHODS = frozenset({"method_declaration", "constructor_declaration", "lambda_expression"})


def fold(text: str) -> str | None:
    """The text with provably clean values wrapped, or None when there is none."""
    if "switch" not in text and ".get(" not in text:
        return None
    data = text.encode("utf-8", "replace")
    tree = _parser().parse(data)
    ranges: set[tuple[int, int]] = set()
    for method in _nodes(tree.root_node, _METHODS):
        body = method.child_by_field_name("body")
        if body is None:
            continue
        constants = _constants(body)
        for switch in _nodes(body, frozenset({"switch_expression"})):
            ranges.update(_dead_switch_values(switch, constants))
        for block in _nodes(body, frozenset({"block"})):
            ranges.update(_collection_reads(block))
    if not ranges:
        return None
    return wrap_ranges(data, ranges)


def _nodes(root: Any, types: frozenset[str]) -> Iterator[Any]:
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type in types:
            yield node
        pending.extend(node.children)


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


# ---- constants ---------------------------------------------------------------------------------


def _constants(body: Any) -> dict[str, Any]:
    """Locals declared once with a value that folds and never assigned again."""
    assigned: set[str] = set()
    for node in _nodes(body, frozenset({"assignment_expression", "update_expression"})):
        target = node.child_by_field_name("left") or (node.named_children or [None])[0]
        if target is not None and target.type == "identifier":
            assigned.add(_text(target))
    declared: dict[str, list[Any]] = {}
    for node in _nodes(body, frozenset({"variable_declarator"})):
        name = node.child_by_field_name("name")
        if name is not None:
            declared.setdefault(_text(name), []).append(node.child_by_field_name("value"))
    constants: dict[str, Any] = {}
    # Declarations in source order, so a constant may be built from an earlier one.
    for name, values in sorted(
        declared.items(), key=lambda item: item[1][0].start_byte if item[1][0] else 0
    ):
        if name in assigned or len(values) != 1 or values[0] is None:
            continue
        value = _value(values[0], constants)
        if value is not None:
            constants[name] = value
    return constants


def _value(node: Any, constants: dict[str, Any]) -> Any:
    """A literal's value, a constant local's, or `"literal".charAt(n)`; else None."""
    kind = node.type
    if kind == "parenthesized_expression" and node.named_children:
        return _value(node.named_children[0], constants)
    if kind == "identifier":
        return constants.get(_text(node))
    if kind == "string_literal":
        raw = _text(node)
        if "\\" in raw or not (raw.startswith('"') and raw.endswith('"')) or raw.startswith('"""'):
            return None
        return raw[1:-1]
    if kind == "character_literal":
        raw = _text(node)
        return raw[1] if len(raw) == 3 else None
    if kind == "decimal_integer_literal":
        try:
            return int(_text(node).rstrip("lL").replace("_", ""))
        except ValueError:
            return None
    if kind == "method_invocation":
        name = node.child_by_field_name("name")
        receiver = node.child_by_field_name("object")
        arguments = node.child_by_field_name("arguments")
        if name is None or receiver is None or arguments is None or _text(name) != "charAt":
            return None
        text = _value(receiver, constants)
        index = _value(arguments.named_children[0], constants) if arguments.named_children else None
        if isinstance(text, str) and isinstance(index, int) and 0 <= index < len(text):
            return text[index]
    return None


# ---- switch ------------------------------------------------------------------------------------


def _dead_switch_values(switch: Any, constants: dict[str, Any]) -> Iterator[tuple[int, int]]:
    condition = switch.child_by_field_name("condition")
    block = switch.child_by_field_name("body")
    if condition is None or block is None:
        return
    selected = _value(condition, constants)
    if selected is None:
        return
    groups = [
        child for child in block.named_children if child.type == "switch_block_statement_group"
    ]
    rules = [child for child in block.named_children if child.type == "switch_rule"]
    if groups and rules:
        return
    arms = groups or rules
    labels = []
    for arm in arms:
        label = next((child for child in arm.named_children if child.type == "switch_label"), None)
        if label is None:
            return
        values = [_value(child, constants) for child in label.named_children]
        if any(value is None for value in values):
            return  # a label the fold cannot read: any group may run
        labels.append((values, not label.named_children))
    live = _live_arms(selected, labels, fall_through=bool(groups), arms=arms)
    for index, arm in enumerate(arms):
        if index not in live:
            yield from _assigned_values(arm)


def _live_arms(
    selected: Any, labels: list[tuple[list[Any], bool]], *, fall_through: bool, arms: list[Any]
) -> set[int]:
    start = next((i for i, (values, _) in enumerate(labels) if selected in values), None)
    if start is None:
        start = next((i for i, (_, default) in enumerate(labels) if default), None)
    if start is None:
        return set()
    live = {start}
    if fall_through:
        index = start
        while index < len(arms) - 1 and not any(
            child.type in _ENDS_GROUP for child in arms[index].named_children
        ):
            index += 1
            live.add(index)
    return live


def _assigned_values(arm: Any) -> Iterator[tuple[int, int]]:
    for node in _nodes(arm, frozenset({"assignment_expression", "variable_declarator"})):
        value = node.child_by_field_name("right") or node.child_by_field_name("value")
        if value is not None and value.type not in _LITERALS:
            yield (value.start_byte, value.end_byte)


# ---- lists and maps ----------------------------------------------------------------------------


def _created(declarator: Any, kinds: frozenset[str]) -> bool:
    value = declarator.child_by_field_name("value")
    if value is None or value.type != "object_creation_expression":
        return False
    kind = value.child_by_field_name("type")
    arguments = value.child_by_field_name("arguments")
    if kind is None or (arguments is not None and arguments.named_children):
        return False
    base = _text(kind).split("<", 1)[0].rsplit(".", 1)[-1]
    return base in kinds


def _call_on(node: Any, names: set[str]) -> tuple[str, str, list[Any]] | None:
    """(receiver, method, arguments) of `name.method(...)` on one of `names`."""
    if node.type != "method_invocation":
        return None
    receiver = node.child_by_field_name("object")
    method = node.child_by_field_name("name")
    arguments = node.child_by_field_name("arguments")
    if receiver is None or method is None or arguments is None or receiver.type != "identifier":
        return None
    if _text(receiver) not in names:
        return None
    return _text(receiver), _text(method), list(arguments.named_children)


def _collection_reads(block: Any) -> Iterator[tuple[int, int]]:
    """Reads of a list or map declared in this block, at a position or key its straight-line
    writes make a literal."""
    lists: dict[str, list[Any]] = {}
    maps: dict[str, dict[Any, Any]] = {}
    for statement in block.named_children:
        if statement.type == "local_variable_declaration":
            for declarator in statement.named_children:
                if declarator.type != "variable_declarator":
                    continue
                name = _text(declarator.child_by_field_name("name"))
                lists.pop(name, None)
                maps.pop(name, None)
                if _created(declarator, _LISTS):
                    lists[name] = []
                elif _created(declarator, _MAPS):
                    maps[name] = {}
        tracked = set(lists) | set(maps)
        if not tracked:
            continue
        expression = (
            statement.named_children[0] if statement.type == "expression_statement" else None
        )
        call = _call_on(expression, tracked) if expression is not None else None
        if call is not None and _write(call, lists, maps):
            continue
        yield from _reads_in(statement, lists, maps)


def _write(
    call: tuple[str, str, list[Any]], lists: dict[str, list[Any]], maps: dict[str, dict[Any, Any]]
) -> bool:
    """Apply a statement-level write; True when it was one the fold follows."""
    name, method, arguments = call
    if name in lists:
        items = lists[name]
        if method == "add" and len(arguments) == 1:
            items.append(arguments[0])
            return True
        if method == "remove" and len(arguments) == 1:
            index = _value(arguments[0], {})
            if isinstance(index, int) and 0 <= index < len(items):
                items.pop(index)
                return True
    if name in maps and method == "put" and len(arguments) == 2:
        key = _value(arguments[0], {})
        if key is not None:
            maps[name][key] = arguments[1]
            return True
    return False


def _reads_in(
    statement: Any, lists: dict[str, list[Any]], maps: dict[str, dict[Any, Any]]
) -> Iterator[tuple[int, int]]:
    """Reads `l.get(n)` / `m.get("k")` of a literal in `statement`; any other use of a tracked
    collection stops tracking it."""
    reads: list[Any] = []
    used: set[str] = set()
    for node in _nodes(statement, frozenset({"identifier"})):
        name = _text(node)
        if name not in lists and name not in maps:
            continue
        parent = node.parent
        if parent is not None and parent.type == "variable_declarator":
            declared = parent.child_by_field_name("name")
            if declared is not None and declared.start_byte == node.start_byte:
                continue  # the declaration of the collection itself
        call = _call_on(parent, {name}) if parent is not None else None
        if call is not None and call[1] == "get" and len(call[2]) == 1:
            reads.append((name, parent, call[2][0]))
        else:
            used.add(name)
    for name, node, argument in reads:
        if name in used:
            continue
        key = _value(argument, {})
        if name in lists:
            items = lists[name]
            found = items[key] if isinstance(key, int) and 0 <= key < len(items) else None
        else:
            found = maps[name].get(key) if key is not None else None
        if found is not None and found.type in _LITERALS:
            yield (node.start_byte, node.end_byte)
    for name in used:
        lists.pop(name, None)
        maps.pop(name, None)
