"""Same-file Java helpers that cannot return input stop the flow; the others carry it."""

from __future__ import annotations

import pytest

from findings.engine.scanners import SourceFile
from findings.engine.scanners.semgrep_scanner import SemgrepScanner
from findings.engine.summaries import java as java_summaries

SERVLET = """import javax.servlet.http.HttpServletRequest;

public class Orders {{
  public void doPost(HttpServletRequest request, java.sql.Statement st) throws Exception {{
    String param = request.getParameter("id");
    String bar = {call};
    st.executeQuery("SELECT * FROM orders WHERE id = '" + bar + "'");
  }}

  private class Helper {{
    public String pick(HttpServletRequest request, String param) throws Exception {{
      {body}
    }}
  }}

  private String own(String value) {{
    {body2}
  }}
}}
"""


def _sql_lines(call: str, body: str = "return param;", body2: str = "return value;") -> set[int]:
    text = SERVLET.format(call=call, body=body, body2=body2)
    outcome = SemgrepScanner().scan([SourceFile("Orders.java", "java", text, frozenset())])
    assert outcome.failures == ()
    return {f.line for f in outcome.findings if f.rule_id == "semgrep.java-sql-injection"}


@pytest.mark.parametrize(
    "call, body, body2, reported",
    [
        # a helper that returns its parameter carries the input
        ("new Helper().pick(request, param)", "return param;", "return value;", True),
        # one that returns a constant whatever it is given does not
        ("new Helper().pick(request, param)", 'return "safe";', "return value;", False),
        # nor one whose only use of the input is in a branch that never runs
        (
            "new Helper().pick(request, param)",
            'String bar; int num = 86;\n      if ((7 * 42) - num > 200) bar = "safe"; '
            "else bar = param;\n      return bar;",
            "return value;",
            False,
        ),
        # a helper that reads the request itself returns input
        (
            "new Helper().pick(request, param)",
            'return request.getParameter("other");',
            "return value;",
            True,
        ),
        # unqualified and this. calls resolve to the file's own method
        ("own(param)", "return param;", 'return "x";', False),
        ("this.own(param)", "return param;", 'return "x";', False),
        ("this.own(param)", "return param;", "return value.trim();", True),
        # a call on another object may be another class's method of the same name
        ("other.own(param)", "return param;", 'return "x";', True),
    ],
)
def test_a_helpers_summary_decides_whether_its_call_carries_the_input(call, body, body2, reported):
    lines = _sql_lines(call, body, body2)
    assert bool(lines) is reported
    if reported:
        assert lines == {7}


def test_a_method_without_a_body_is_never_clean():
    text = (
        "interface Source { String get(String key); }\n"
        'class A { String get(String key) { return "x"; }\n'
        "  void f(String p) { String v = get(p); } }\n"
    )
    parsed = java_summaries.read(text)

    assert parsed is not None
    # `get` is also declared without a body (the interface's): a call may reach either
    assert java_summaries.clean_methods(parsed, set()) == {"f"}


def test_the_rewrite_wraps_each_clean_call_and_keeps_every_line():
    text = 'class A {\n  String a(String p) { return b(c(p)) + b("é"); }\n  String b(String x) {'
    text += ' return "k"; }\n  String c(String x) { return x; }\n}\n'
    parsed = java_summaries.read(text)
    assert parsed is not None

    clean = java_summaries.clean_methods(parsed, tainted_return_lines={4})
    rewritten = java_summaries.rewrite(parsed, clean)

    assert clean == {"a", "b"}
    assert rewritten is not None
    assert rewritten.count("\n") == text.count("\n")
    assert 'return __reviewbenchSafe(b(c(p))) + __reviewbenchSafe(b("é"));' in rewritten


def test_when_the_summary_run_fails_every_helper_call_stays_tainted(monkeypatch):
    # given a summary run that produces no report
    real_run = SemgrepScanner._run

    def failing_summary(self, core, targets, home, names, *, config=None):
        if config is not None:  # the summary run (java_summaries.write_summary_rules)
            return "semgrep failed (exit code 2); this file was not analysed"
        return real_run(self, core, targets, home, names, config=config)

    monkeypatch.setattr(SemgrepScanner, "_run", failing_summary)

    # then the helper that returns a constant is not trusted
    assert _sql_lines("new Helper().pick(request, param)", 'return "safe";') == {7}


ESCAPING = """import javax.servlet.http.*;

public class Page extends HttpServlet {
  public void doPost(HttpServletRequest request, HttpServletResponse response,
      java.sql.Statement st)
      throws Exception {
    String bar = new Helper().escape(request.getParameter("q"));
    response.getWriter().println(bar);
    st.executeQuery("SELECT * FROM t WHERE q = '" + bar + "'");
  }

  private class Helper {
    public String escape(String param) {
      return %s;
    }
  }
}
"""


@pytest.mark.parametrize(
    "returned, xss",
    [
        ("org.springframework.web.util.HtmlUtils.htmlEscape(param)", False),
        ("org.apache.commons.lang.StringEscapeUtils.escapeHtml(param)", False),
        ("param.trim()", True),
    ],
)
def test_a_helper_that_html_escapes_its_return_is_clean_for_xss_and_for_nothing_else(returned, xss):
    # given a helper that escapes HTML (or does not), whose result is written and queried
    outcome = SemgrepScanner().scan(
        [SourceFile("Page.java", "java", ESCAPING % returned, frozenset())]
    )

    # then the page write is XSS only without the escaper, and the query is SQL injection always
    assert outcome.failures == ()
    rules = {f.rule_id for f in outcome.findings}
    assert ("semgrep.java-reflected-xss" in rules) is xss
    assert "semgrep.java-sql-injection" in rules


def test_commons_lang_escape_html_in_the_handler_is_an_xss_fix():
    # given request data written through commons-lang 2's escapeHtml, and without it
    def written(value: str) -> set[str]:
        text = (
            "import javax.servlet.http.*;\n\npublic class P extends HttpServlet {\n"
            "  public void doPost(HttpServletRequest request, HttpServletResponse response)\n"
            "      throws Exception {\n"
            f"    response.getWriter().println({value});\n  }}\n}}\n"
        )
        outcome = SemgrepScanner().scan([SourceFile("P.java", "java", text, frozenset())])
        return {f.rule_id for f in outcome.findings}

    # then only the unescaped write is reflected XSS
    escaped = 'org.apache.commons.lang.StringEscapeUtils.escapeHtml(request.getParameter("q"))'
    assert "semgrep.java-reflected-xss" not in written(escaped)
    assert "semgrep.java-reflected-xss" in written('request.getParameter("q")')
