"""The Python data flow's precision: branches the code decides, and containers tracked per key.

Each case is a pair: the same handler once with the input reaching the sink and once with only a
constant reaching it, through the same construct. The safe one must stay quiet; the vulnerable
one must still be found.
"""

from __future__ import annotations

import textwrap

import pytest

from findings.engine.scanners import SourceFile
from findings.engine.scanners.python_taint import PythonTaintScanner

HEAD = (
    "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
    "@app.get('/a')\ndef a():\n    param = request.args.get('p', '')\n"
)


def _rules(body: str) -> set[str]:
    text = HEAD + textwrap.indent(textwrap.dedent(body), "    ") + "    os.system('ls ' + bar)\n"
    outcome = PythonTaintScanner().scan([SourceFile("app.py", "python", text, frozenset())])
    assert outcome.failures == ()
    return {finding.rule_id for finding in outcome.findings}


CMD = "python-taint.command-injection"

# (name, the code that binds `bar` from param, the same code binding it from a constant)
PAIRS = [
    (
        "arithmetic-condition",
        """
        num = 106
        if (7 * 42) - num > 200:
            bar = 'constant'
        else:
            bar = param
        """,
        """
        num = 86
        if (7 * 42) - num > 200:
            bar = 'constant'
        else:
            bar = param
        """,
    ),
    (
        "conditional-expression",
        "num = 196\nbar = 'constant' if (7 * 18) + num > 400 else param\n",
        "num = 106\nbar = 'constant' if (7 * 18) + num > 200 else param\n",
    ),
    (
        "switch-on-a-constant-character",
        """
        guess = 'ABC'
        target = guess[2]
        if target == 'A':
            bar = 'a'
        elif target == 'C':
            bar = param
        else:
            bar = 'other'
        """,
        """
        guess = 'ABC'
        target = guess[1]
        if target == 'A':
            bar = 'a'
        elif target == 'C':
            bar = param
        else:
            bar = 'other'
        """,
    ),
    (
        "match-on-a-constant",
        """
        target = 'C'
        match target:
            case 'A':
                bar = 'a'
            case 'B' | 'C':
                bar = param
            case _:
                bar = 'other'
        """,
        """
        target = 'A'
        match target:
            case 'A':
                bar = 'a'
            case 'B' | 'C':
                bar = param
            case _:
                bar = 'other'
        """,
    ),
    (
        "dict-by-constant-key",
        """
        values = {}
        values['keyA'] = 'a_value'
        values['keyB'] = param
        values['keyC'] = 'another_value'
        bar = values['keyB']
        """,
        """
        values = {}
        values['keyA'] = 'a_value'
        values['keyB'] = param
        values['keyC'] = 'another_value'
        bar = values['keyA']
        """,
    ),
    (
        "dict-literal-and-get",
        "values = {'a': 'safe', 'b': param}\nbar = values.get('b')\n",
        "values = {'a': 'safe', 'b': param}\nbar = values.get('a')\n",
    ),
    (
        "list-after-a-pop",
        """
        items = []
        items.append('safe')
        items.append(param)
        items.append('moresafe')
        items.pop(0)
        bar = items[0]
        """,
        """
        items = []
        items.append('safe')
        items.append(param)
        items.append('moresafe')
        items.pop(0)
        bar = items[1]
        """,
    ),
    (
        "list-literal-negative-index",
        "items = ['safe', 'also_safe', param]\nbar = items[-1]\n",
        "items = ['safe', param, 'also_safe']\nbar = items[-1]\n",
    ),
    (
        "list-delete",
        "items = [param, 'safe']\ndel items[1]\nbar = items[0]\n",
        "items = [param, 'safe']\ndel items[0]\nbar = items[0]\n",
    ),
]


@pytest.mark.parametrize("name, vulnerable, safe", PAIRS, ids=[pair[0] for pair in PAIRS])
def test_the_path_that_runs_decides(name, vulnerable, safe):
    assert CMD in _rules(vulnerable), name
    assert CMD not in _rules(safe), name


@pytest.mark.parametrize(
    "body",
    [
        # a branch on something the code does not fix stays undecided
        "if param.startswith('x'):\n    bar = 'constant'\nelse:\n    bar = param\n",
        # a name bound twice is not a constant
        "num = 86\nif param:\n    num = 500\nif num > 200:\n    bar = 'constant'\nelse:\n"
        "    bar = param\n",
        # rebound by := inside an expression, or as a loop target
        "num = 86\nif (num := len(param)) > 9:\n    pass\nif (7 * 42) - num > 200:\n"
        "    bar = 'constant'\nelse:\n    bar = param\n",
        "num = 86\nfor num in range(len(param)):\n    pass\nif (7 * 42) - num > 200:\n"
        "    bar = 'constant'\nelse:\n    bar = param\n",
        # a key the code does not fix reads every value
        "values = {'a': 'safe', 'b': param}\nbar = values[param[:1]]\n",
        # the container handed to a call, which could put anything in it
        "values = {'a': 'safe'}\nfill(values, param)\nbar = values['a']\n",
        # a bulk update
        "values = {'a': 'safe'}\nvalues.update({'a': param})\nbar = values['a']\n",
        # rebound in one branch only
        "items = ['safe']\nif param:\n    items = [param]\nbar = items[0]\n",
        # grown by +=
        "items = ['safe']\nitems += [param]\nbar = items[-1]\n",
    ],
)
def test_what_the_walker_cannot_follow_stays_tainted(body):
    assert CMD in _rules(body)


# ---- the engine's own bookkeeping: one walk of the tree, units re-walked only on change --------


def test_module_nodes_are_ast_walks_nodes_in_its_order_and_grouped_by_type():
    import ast

    from findings.engine.taint.engine import ModuleInfo

    text = HEAD + "    x = [p for p in param if p]\n    os.system('ls ' + x[0])\n"
    tree = ast.parse(text)
    module = ModuleInfo(tree)
    assert module.nodes == list(ast.walk(tree))
    walked = list(ast.walk(tree))
    assert module.of(ast.Call) == [node for node in walked if isinstance(node, ast.Call)]
    mixed = [node for node in walked if type(node) in (ast.Attribute, ast.Assign)]
    assert module.of(ast.Attribute, ast.Assign) == mixed
    assert module.of(ast.ClassDef) == []


def test_a_unit_whose_callees_did_not_change_is_not_walked_again(monkeypatch):
    from findings.engine.taint import engine as taint_engine

    walks: list[str] = []
    original = taint_engine.FunctionWalker.run

    def counting_run(self, body):
        if body is self.function.body:
            walks.append(self.function.name)
        return original(self, body)

    monkeypatch.setattr(taint_engine.FunctionWalker, "run", counting_run)
    text = textwrap.dedent(
        """
        import os
        from flask import Flask, request
        app = Flask(__name__)

        def third(value):
            return value

        def second(value):
            return third(value)

        def unrelated():
            return 'fixed'

        @app.get('/a')
        def a():
            os.system('ls ' + second(request.args.get('p', '')))
        """
    )
    outcome = PythonTaintScanner().scan([SourceFile("app.py", "python", text, frozenset())])
    # The summary of `third` reaches `a` through `second`: found across two calls...
    assert CMD in {finding.rule_id for finding in outcome.findings}
    # ...while `unrelated` and `third`, which call nothing of this file, are walked once.
    assert walks.count("unrelated") == 1
    assert walks.count("third") == 1
    assert walks.count("second") >= 2
