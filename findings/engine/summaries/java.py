"""Same-file method summaries for the Java rules: a helper that cannot return input is clean.

semgrep's taint mode is intraprocedural: `String bar = new Test().doSomething(request, param);`
is tainted whenever `param` is, whatever `doSomething` does with it. So the Java files of a batch
go through two semgrep runs. The first (`java.yaml` beside this module) reports every
`return` that may carry a parameter of its method or request data. A method of the file with a
body none of whose returns is reported, and no overload that is, is a clean helper. Before the
second run (the rules proper), each call to a clean helper that certainly resolves to this file's
method (`helper(...)`, `this.helper(...)`, `new LocalClass(...).helper(...)`) is wrapped in
`__reviewbenchSafe(...)`, which every Java taint rule lists as a sanitizer. The wrapper adds
characters, never lines, so findings keep their line numbers; what a finding shows as code is read
from the original text.

tree-sitter (already the checklist's parser for Java) finds the methods and calls; semgrep decides
the data flow, with the same dead-branch and parse sanitizers as the rules proper.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAFE_WRAPPER = "__reviewbenchSafe"
SUMMARY_RULES = Path(__file__).resolve().parent / "java.yaml"
_METHOD_NODES = frozenset({"method_declaration"})
_CLASS_NODES = frozenset(
    {"class_declaration", "enum_declaration", "record_declaration", "interface_declaration"}
)


@functools.cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_java

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_java.language()))


@dataclass
class JavaFile:
    """What the summary needs of one Java file: its methods by name and its helper calls."""

    data: bytes
    # method name -> [(first line, last line, has a body)]
    methods: dict[str, list[tuple[int, int, bool]]] = field(default_factory=dict)
    # (name, start byte, end byte) of calls that resolve to a method of this file
    calls: list[tuple[str, int, int]] = field(default_factory=list)

    def method_at(self, line: int) -> str | None:
        """The innermost method whose lines hold `line`."""
        best: tuple[int, str] | None = None
        for name, spans in self.methods.items():
            for start, end, _body in spans:
                if start <= line <= end and (best is None or end - start < best[0]):
                    best = (end - start, name)
        return best[1] if best else None


def read(text: str) -> JavaFile | None:
    """The file's methods and local calls, or None when it calls no method of its own."""
    data = text.encode("utf-8", "replace")
    tree = _parser().parse(data)
    parsed = JavaFile(data=data)
    classes: set[str] = set()
    invocations: list[Any] = []
    pending = [tree.root_node]
    while pending:
        node = pending.pop()
        if node.type in _METHOD_NODES:
            name = node.child_by_field_name("name")
            if name is not None:
                parsed.methods.setdefault(_text(name), []).append(
                    (
                        node.start_point[0] + 1,
                        node.end_point[0] + 1,
                        node.child_by_field_name("body") is not None,
                    )
                )
        elif node.type in _CLASS_NODES:
            name = node.child_by_field_name("name")
            if name is not None:
                classes.add(_text(name))
        elif node.type == "method_invocation":
            invocations.append(node)
        pending.extend(node.children)
    for node in invocations:
        name_node = node.child_by_field_name("name")
        if name_node is None or _text(name_node) not in parsed.methods:
            continue
        receiver = node.child_by_field_name("object")
        if receiver is None or receiver.type == "this":
            local = True
        elif receiver.type == "object_creation_expression":
            kind = receiver.child_by_field_name("type")
            local = kind is not None and _text(kind) in classes
        else:
            local = False
        if local:
            parsed.calls.append((_text(name_node), node.start_byte, node.end_byte))
    return parsed if parsed.calls else None


def clean_methods(parsed: JavaFile, tainted_return_lines: set[int]) -> set[str]:
    """Methods of the file whose every declaration has a body and no return that may carry
    input (the summary run's findings are those returns' lines)."""
    tainted = {parsed.method_at(line) for line in tainted_return_lines}
    return {
        name
        for name, spans in parsed.methods.items()
        if name not in tainted and all(has_body for _start, _end, has_body in spans)
    }


def rewrite(parsed: JavaFile, clean: set[str]) -> str | None:
    """The file's text with each call to a clean helper wrapped, or None if there is none."""
    inserts: list[tuple[int, bytes]] = []
    for name, start, end in parsed.calls:
        if name in clean:
            inserts.append((start, f"{SAFE_WRAPPER}(".encode()))
            inserts.append((end, b")"))
    if not inserts:
        return None
    data = parsed.data
    # From the end, so earlier offsets stay valid; at one offset, a closing ")" goes first.
    for offset, piece in sorted(inserts, key=lambda item: (item[0], item[1] != b")"), reverse=True):
        data = data[:offset] + piece + data[offset:]
    return data.decode("utf-8", "replace")


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))
