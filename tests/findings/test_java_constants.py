"""Constant folding for the Java rules: dead switch arms and literals read back from
collections are clean, and anything the fold cannot follow keeps its taint."""

from __future__ import annotations

import pytest

from findings.engine.scanners import SourceFile
from findings.engine.scanners.semgrep_scanner import SemgrepScanner
from findings.engine.summaries import java_constants
from findings.engine.summaries.java import SAFE_WRAPPER, wrap_ranges

SERVLET = """import javax.servlet.http.*;

class T extends HttpServlet {{
  public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {{
    String param = request.getParameter("p");
    String bar = "";
{body}
    java.sql.Statement st = connection.createStatement();
    st.execute("SELECT * FROM users WHERE name = '" + bar + "'");
  }}
}}
"""

SWITCH = """    char target = "ABC".charAt({index});
    switch (target) {{
      case 'A': bar = param; break;
      case 'B': bar = "bob"; break;
      case 'C':
      case 'D': bar = param; break;
      default: bar = "uncle"; break;
    }}"""

LIST = """    java.util.List<String> values = new java.util.ArrayList<String>();
    values.add("safe");
    values.add(param);
    values.add("moresafe");
    values.remove(0);
{extra}    bar = values.get({index});"""

MAP = """    java.util.HashMap<String, Object> map = new java.util.HashMap<String, Object>();
    map.put("keyA", "a-Value");
    map.put("keyB", param);
{extra}    bar = (String) map.get("{key}");"""


def _sql_reported(body: str) -> bool:
    text = SERVLET.format(body=body)
    outcome = SemgrepScanner().scan(
        [SourceFile(path="T.java", language="java", text=text, added_lines=frozenset())]
    )
    assert outcome.failures == ()
    return any(finding.cwe == 89 for finding in outcome.findings)


@pytest.mark.parametrize(
    "body, reported",
    [
        (SWITCH.format(index=1), False),  # 'B': the arm that assigns a literal
        (SWITCH.format(index=0), True),  # 'A'
        (SWITCH.format(index=2), True),  # 'C' falls through to 'D'
        (SWITCH.format(index=1).replace('"ABC"', 'request.getParameter("g")'), True),
        (LIST.format(extra="", index=1), False),  # "moresafe"
        (LIST.format(extra="", index=0), True),  # param
        (LIST.format(extra="    values.add(0, param);\n", index=1), True),  # not followed
        (LIST.format(extra="    if (bar.isEmpty()) { values.remove(0); }\n", index=1), True),
        (MAP.format(extra="", key="keyA"), False),
        (MAP.format(extra="", key="keyB"), True),
        (MAP.format(extra="    helper(map);\n", key="keyA"), True),  # the map escaped
    ],
)
def test_the_fold_clears_only_what_the_methods_constants_prove_clean(body, reported):
    # given a servlet whose SQL gets `bar` through a switch, a list or a map

    # then the query is reported exactly when the input can reach it
    assert _sql_reported(body) is reported


def test_a_helper_whose_dead_arm_is_its_only_input_is_a_clean_helper():
    # given a helper that returns the result of a constant switch, called from the handler
    body = "    bar = pick(param);"
    helper = (
        "  String pick(String param) {\n    String bar;\n"
        + SWITCH.format(index=1).replace("    ", "  ", 1)
        + "\n    return bar;\n  }\n}\n"
    )
    text = SERVLET.format(body=body).rstrip().removesuffix("}") + helper
    outcome = SemgrepScanner().scan(
        [SourceFile(path="T.java", language="java", text=text, added_lines=frozenset())]
    )

    # then the helper's call is clean and the query is not reported
    assert outcome.failures == ()
    assert not [finding for finding in outcome.findings if finding.cwe == 89]


def test_the_fold_adds_characters_never_lines_and_leaves_unfoldable_code_alone():
    # given the switch case and a method with nothing to fold
    text = SERVLET.format(body=SWITCH.format(index=1))

    folded = java_constants.fold(text)

    # then only the dead arms' values are wrapped, on their own lines
    assert folded is not None
    assert folded.count("\n") == text.count("\n")
    changed = [
        (before, after)
        for before, after in zip(text.split("\n"), folded.split("\n"), strict=True)
        if before != after
    ]
    assert [after.strip() for _before, after in changed] == [
        f"case 'A': bar = {SAFE_WRAPPER}(param); break;",
        f"case 'D': bar = {SAFE_WRAPPER}(param); break;",
    ]
    assert java_constants.fold(SERVLET.format(body="    bar = param;")) is None


def test_nested_ranges_are_wrapped_inside_out():
    # given two nested ranges and one apart
    data = b"f(g(x)) + y"

    # then each opening and closing lands where its range starts and ends
    assert wrap_ranges(data, {(0, 7), (2, 6), (10, 11)}) == (
        f"{SAFE_WRAPPER}(f({SAFE_WRAPPER}(g(x)))) + {SAFE_WRAPPER}(y)"
    )
