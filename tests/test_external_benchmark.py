"""bench.external's scoring of the OWASP Benchmark for Java, on a two-category stand-in."""

from __future__ import annotations

from bench.external import owasp_java, report


def test_a_file_counts_for_its_category_only_with_that_category_cwe(tmp_path):
    (tmp_path / "expectedresults-1.2.csv").write_text(
        "# test name, category, real vulnerability, cwe\n"
        "BenchmarkTest00001,sqli,true,89\n"
        "BenchmarkTest00002,sqli,true,89\n"
        "BenchmarkTest00003,sqli,false,89\n"
        "BenchmarkTest00004,xss,true,79\n"
        "BenchmarkTest00005,xss,false,79\n"
    )
    findings = [
        {"path": "BenchmarkTest00001.java", "cwe": 89},
        {"path": "BenchmarkTest00003.java", "cwe": 89},  # a safe file flagged
        {"path": "BenchmarkTest00004.java", "cwe": 89},  # the wrong class: not an XSS hit
        {"path": "BenchmarkTest00005.java", "cwe": None},
    ]

    scores = owasp_java(tmp_path, findings)

    assert (scores["sqli"].recall, scores["sqli"].false_positive_rate) == (0.5, 1.0)
    assert (scores["xss"].recall, scores["xss"].false_positive_rate) == (0.0, 0.0)
    text = report(scores)
    assert "sqli             0.50   1.00  -0.50  (2 / 1)" in text
    assert "mean score" in text and "-0.25" in text
