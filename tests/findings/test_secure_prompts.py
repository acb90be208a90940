"""Secure-prompt guidance: every family of finding any scanner raises has its instruction, in the
finding's language, and the data file is checked when it is read."""

from __future__ import annotations

import re

import pytest
import yaml
from bandit.core.issue import Cwe

from findings.engine import secure_prompts
from findings.engine.cwe_classes import CLASS_CWES
from findings.engine.pyrules.classes import CLASSES
from findings.engine.scanners.semgrep_scanner import RULES_DIR
from findings.engine.secure_prompts import (
    GENERAL,
    SecurePromptDataError,
    families,
    family_for,
    secure_prompt,
)
from findings.engine.suppressions import RULE_ID as SUPPRESSION_RULE

RULE_LANGUAGE = {
    "python": "a.py",
    "javascript": "a.js",
    "typescript": "a.ts",
    "java": "A.java",
    "go": "a.go",
}
FOUR_LANGUAGES = ("python", "javascript", "java", "go")


@pytest.mark.parametrize("name", sorted(CLASS_CWES))
def test_every_corpus_class_has_its_own_instruction_in_each_of_the_four_languages(name):
    family = families()[name]
    for language in FOUR_LANGUAGES:
        assert family.texts.get(language, "").strip(), (name, language)
    for cwe in CLASS_CWES[name]:
        assert family_for(cwe=cwe) != GENERAL, (name, cwe)


def _semgrep_rules():
    for path in sorted(RULES_DIR.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            yield path.stem, rule


@pytest.mark.parametrize(
    ("stem", "rule"), list(_semgrep_rules()), ids=lambda v: v if isinstance(v, str) else v["id"]
)
def test_every_multi_language_rule_gets_a_specific_instruction_in_its_language(stem, rule):
    metadata = rule["metadata"]
    cwe = int(metadata["cwe"].split(":")[0].removeprefix("CWE-"))
    languages = [lang for lang in rule["languages"] if lang in RULE_LANGUAGE] or [stem]
    for language in languages:
        prompt = secure_prompt(cwe=cwe, rule_id=rule["id"], path=RULE_LANGUAGE[language])
        assert prompt.family != GENERAL, rule["id"]
        assert prompt.language in (language, "javascript"), (rule["id"], prompt)


@pytest.mark.parametrize("key", sorted(CLASSES))
def test_every_python_engine_class_gets_a_python_instruction(key):
    prompt = secure_prompt(cwe=CLASSES[key].cwe, rule_id=f"python-taint.{key}", path="app.py")
    assert prompt.family != GENERAL
    assert prompt.language == "python"


def test_every_cwe_bandit_can_report_has_a_family():
    cwes = [
        value
        for name, value in vars(Cwe).items()
        if name.isupper() and isinstance(value, int) and value
    ]
    assert len(cwes) > 20
    assert [cwe for cwe in cwes if family_for(cwe=cwe) == GENERAL] == []


@pytest.mark.parametrize(
    ("cwe", "rule_id", "family"),
    [
        (798, "secrets.aws-access-key", "hardcoded-credentials"),
        (1395, "dependencies.vulnerable", "dependencies"),
        (None, "dependencies.unpinned", "dependencies"),
        (1007, "trojan-source.bidi-control", "hidden-characters"),
        (None, SUPPRESSION_RULE, "suppressions"),
        (95, "js-eval-injection", "code-injection"),
        (94, "B307", "code-injection"),
        (78, "B602", "command-injection"),
    ],
)
def test_reviewbench_own_scanners_and_code_injection_find_their_family(cwe, rule_id, family):
    assert family_for(cwe=cwe, rule_id=rule_id) == family


def test_the_text_follows_the_file_language_typescript_reads_javascript_and_others_the_default():
    assert "cursor.execute" in secure_prompt(cwe=89, path="shop/orders.py").text
    assert "PreparedStatement" in secure_prompt(cwe=89, path="src/Orders.java").text
    assert "db.Query" in secure_prompt(cwe=89, path="orders.go").text
    typescript = secure_prompt(cwe=89, path="src/orders.ts")
    assert (typescript.language, typescript.text) == (
        "javascript",
        secure_prompt(cwe=89, path="a.js").text,
    )
    ruby = secure_prompt(cwe=89, path="app/orders.rb")
    assert ruby.language == "default"
    assert ruby.text == families()["sqli"].texts["default"]


def test_an_unknown_cwe_gets_the_general_instruction():
    prompt = secure_prompt(cwe=99999, rule_id="custom.rule", path="a.py")
    assert prompt.family == GENERAL
    assert "hostile" in prompt.text


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("not a mapping", "expected a mapping"),
        ({"title": "T", "python": "x"}, "a default text is required"),
        ({"title": "T", "default": "x", "ruby": "y"}, "unknown keys ['ruby']"),
        ({"title": "T", "default": "x", "cwes": ["89"]}, "cwes must be integers"),
        ({"title": "T", "default": "x", "rules": [""]}, "rules must be non-empty strings"),
        ({"title": "T", "default": "x", "java": ""}, "every text must be a non-empty string"),
        ({"default": "x"}, "a title is required"),
    ],
)
def test_a_malformed_family_is_refused_with_its_name(entry, message):
    with pytest.raises(SecurePromptDataError, match=f"^broken: {re.escape(message)}"):
        secure_prompts._family("broken", entry)


def test_the_data_file_needs_the_general_family(tmp_path, monkeypatch):
    data = tmp_path / "prompts.yaml"
    data.write_text("sqli:\n  title: SQL\n  default: x\n")
    monkeypatch.setattr(secure_prompts, "DATA_FILE", data)
    families.cache_clear()
    try:
        with pytest.raises(SecurePromptDataError, match="general"):
            families()
    finally:
        families.cache_clear()
