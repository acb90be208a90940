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

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SAFE_WRAPPER = "__reviewbenchSafe"
# A helper whose returns are HTML-escaped (but may still carry input): clean for XSS only.
SAFE_HTML_WRAPPER = "__reviewbenchSafeHtml"

SUMMARY_RULES = Path(__file__).resolve().parent / "java.yaml"
# The summary run's rule for that question; every other finding of the run is the general one.
UNESCAPED_RULE = "java-return-carries-unescaped-input"
_METHOD_NODES = frozenset({"method_declaration"})
_CLASS_NODES = frozenset(
    {"class_declaration", "enum_declaration", "record_declaration", "interface_declaration"}
)


def write_summary_rules(directory: str) -> Path:
    """The summary run's config, written under `directory`: java.yaml's rule, and the same rule
    with the HTML escapers among its sanitizers (UNESCAPED_RULE), whose sink is the whole
    return statement so that its results never share a range with the first rule's (the engine
    keeps one result per range)."""
    path = Path(directory) / "summary-rules.json"
    path.write_text(_summary_rules(), encoding="utf-8")
    return path


@functools.cache
def _summary_rules() -> str:
    document = yaml.safe_load(SUMMARY_RULES.read_text(encoding="utf-8"))
    [general] = document["rules"]
    html = copy.deepcopy(general)
    html["id"] = UNESCAPED_RULE
    html["message"] = "This return may carry input that is not HTML-escaped."
    html["pattern-sanitizers"] = [*document["html-escapers"], *general["pattern-sanitizers"]]
    html["pattern-sinks"] = [{"pattern": "return $E;"}]
    return json.dumps({"rules": [general, html]})


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


def rewrite(
    parsed: JavaFile, clean: set[str], clean_html: frozenset[str] = frozenset()
) -> str | None:
    """The file's text with each call to a clean helper wrapped in SAFE_WRAPPER, and each call
    to a helper clean for HTML only in SAFE_HTML_WRAPPER; None if there is none."""
    pieces: dict[tuple[int, int], str] = {}
    for name, start, end in parsed.calls:
        if name in clean:
            pieces[(start, end)] = SAFE_WRAPPER
        elif name in clean_html:
            pieces[(start, end)] = SAFE_HTML_WRAPPER
    return wrap_ranges(parsed.data, set(pieces), pieces) if pieces else None


def wrap_ranges(
    data: bytes,
    ranges: set[tuple[int, int]],
    wrapper: str | dict[tuple[int, int], str] = SAFE_WRAPPER,
) -> str:
    """`data` with each (start, end) byte range wrapped in `wrapper(...)` (one name, or one per
    range); ranges nest or are apart, as the nodes of one syntax tree are."""
    # (offset, order at that offset, piece): at one offset the text reads closings before
    # openings, the inner closing (shorter range) first and the outer opening (longer) first.
    inserts: list[tuple[int, tuple[int, int], bytes]] = []
    for start, end in ranges:
        name = wrapper if isinstance(wrapper, str) else wrapper[(start, end)]
        opening = f"{name}(".encode()
        inserts.append((start, (1, start - end), opening))
        inserts.append((end, (0, end - start), b")"))
    # From the end, so earlier offsets stay valid; pieces put at one offset end up in the
    # reverse of the order they were put in, so that order is descending too.
    for offset, _order, piece in sorted(inserts, reverse=True):
        data = data[:offset] + piece + data[offset:]
    return data.decode("utf-8", "replace")


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))
