"""What a Python command or query string is made of, read from its syntax alone: whether it runs
a shell, names a fixed program, or is text built from values. Shared by the taint rules and the
checklist's Python reader."""

from __future__ import annotations

import ast

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "cmd", "cmd.exe",
                     "powershell", "powershell.exe", "pwsh"})  # fmt: skip


_SHELL_COMMAND_FLAGS = frozenset({"-c", "/c", "/C", "-Command", "-command"})


def constant_strings(nodes: list[ast.expr]) -> list[str]:
    """The string constants among `nodes`, a list or tuple literal's elements included."""
    found = []
    for node in nodes:
        for part in node.elts if isinstance(node, ast.List | ast.Tuple) else [node]:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                found.append(part.value)
    return found


def runs_shell_string(arguments: list[ast.expr]) -> bool:
    """`["bash", "-c", text]`, `("sh", "-c", text)`, `"/bin/sh", "-c", text`: a shell program
    told to run its next argument as a command line."""
    if not arguments:
        return False
    first = arguments[0]
    head = first.elts[0] if isinstance(first, ast.List | ast.Tuple) and first.elts else first
    if not (isinstance(head, ast.Constant) and isinstance(head.value, str)):
        return False
    program = head.value.replace("\\", "/").rsplit("/", 1)[-1].lower()
    flags = constant_strings(arguments)
    return program in _SHELLS and any(flag in _SHELL_COMMAND_FLAGS for flag in flags)


def fixed_program(node: ast.expr) -> bool:
    """A command string whose first word is written in the code (`"grep -R {}".format(x)`,
    f"ls {x}", "tar " + x): without a shell it names that program, whatever follows."""
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return isinstance(first, ast.Constant) and bool(str(first.value).strip())
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left = node.left
        if isinstance(left, ast.BinOp):
            return fixed_program(left)
        text = left.value if isinstance(left, ast.Constant) else None
        return isinstance(text, str) and bool(text.strip()) and not text.startswith("%")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
    ):
        text = node.func.value.value
        return isinstance(text, str) and bool(text.strip()) and not text.startswith("{")
    return False


def built_string(node: ast.AST | None) -> bool:
    """Text built in the expression from values: an f-string with values, `"..." % x`,
    `"..." + x` (or `x + "..."`, chained), `"...".format(x)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(value, ast.FormattedValue) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(
            (isinstance(side, ast.Constant) and isinstance(side.value, str)) or built_string(side)
            for side in (node.left, node.right)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    )


def literal_text(node: ast.expr) -> str:
    """Every string literal in the expression, joined: the text the code itself wrote."""
    return "".join(
        part.value
        for part in ast.walk(node)
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    )
