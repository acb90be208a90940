"""Policy as code: parsing, validation errors with lines, merging, tier selection, boundaries."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviewbench.policy import (
    DEFAULT_POLICY,
    MAX_POLICY_BYTES,
    BoundaryViolation,
    ExceptionNeeded,
    FindingCondition,
    HunkInput,
    PolicyError,
    Reason,
    Tier,
    TierConditions,
    UsageBoundary,
    path_matches,
    policy_defaults_validate,
    policy_describe,
    policy_evaluate,
    policy_load,
)

ROOT = Path(__file__).resolve().parents[2]


def docs_example() -> str:
    text = (ROOT / "docs" / "POLICY.md").read_text(encoding="utf-8")
    section = text.split("## Full example", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def load_error(text: str, **kwargs) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        policy_load(text, **kwargs)
    return caught.value


# --- parsing --------------------------------------------------------------------------------


def test_the_docs_example_parses_merged_over_the_defaults():
    # given the full example from docs/POLICY.md
    text = docs_example()

    # when it is loaded over the built-in defaults
    policy = policy_load(text)

    # then tiers are ordered by level, overrides keep inherited keys, new tiers are added
    assert [(tier.name, tier.level) for tier in policy.tiers] == [
        ("injection-risk", 30),
        ("sensitive", 20),
        ("ai-heavy", 10),
        ("large", 5),
        ("standard", 0),
    ]
    assert policy.tier("standard") == Tier(
        name="standard", level=0, approvals=1, groups=(), sla_hours=24, when=None
    )
    assert policy.tier("sensitive") == Tier(
        name="sensitive",
        level=20,
        approvals=2,
        groups=("security",),
        sla_hours=12,
        when=TierConditions(
            paths=("**/auth/**", "**/payment*/**", "shop/billing.py", ".github/workflows/**"),
            findings=FindingCondition(severity_at_least="high"),
        ),
    )
    assert policy.tier("injection-risk").when == TierConditions(
        findings=FindingCondition(cwe=(89, 78, 94))
    )
    assert policy.tier("injection-risk").groups == ("security", "leads")
    assert policy.tier("large").when == TierConditions(size_above=800)
    assert policy.usage_boundaries == (
        UsageBoundary(paths=("shop/crypto/**", "**/*.pem"), ai="prohibited"),
        UsageBoundary(paths=("shop/payments/**",), ai="exception_required", granted_by="security"),
    )


def test_no_file_an_empty_file_and_comments_only_give_the_defaults():
    # given the three ways a repository can have no policy
    defaults = policy_load(None)

    # then each gives exactly the built-in defaults
    assert policy_load("") == defaults
    assert policy_load("# nothing here yet\n\n") == defaults
    assert [(t.name, t.level, t.approvals, t.groups, t.sla_hours) for t in defaults.tiers] == [
        ("sensitive", 20, 2, ("security",), 24),
        ("ai-heavy", 10, 2, (), 36),
        ("standard", 0, 1, (), 48),
    ]
    assert defaults.tier("ai-heavy").when == TierConditions(ai_share_above=0.5)
    assert defaults.tier("sensitive").when.findings == FindingCondition(severity_at_least="high")
    assert defaults.usage_boundaries == ()


def test_the_demo_repository_policy_is_valid_and_means_the_defaults():
    # given the demo's base-branch policy file
    from github_app.management.demo_repository import BASE_FILES

    # when it is loaded
    policy = policy_load(BASE_FILES[".reviewbench.yml"])

    # then it is the defaults
    assert policy == policy_load(None)


def test_the_default_sensitive_globs_cover_the_named_areas():
    # given paths from each sensitive area, and ordinary paths
    sensitive = [
        "auth/views.py",
        "api/v2/auth/tokens.py",
        "accounts/oauth.py",
        "web/login.html",
        "web/login/form.js",
        "core/sessions.py",
        "core/permissions.py",
        "payments/charge.py",
        "shop/payment_gateway/stripe.py",
        "billing/invoice.py",
        "lib/crypto/aes.py",
        "config/secrets.yaml",
        "proj/settings.py",
        "proj/settings_prod.py",
        "Dockerfile",
        "deploy/Dockerfile.worker",
        "infra/main.tf",
        ".github/workflows/ci.yml",
        "k8s/deployment.yaml",
        ".env.production",
    ]
    ordinary = ["README.md", "shop/orders.py", "docs/index.md", "tests/test_orders.py"]
    globs = DEFAULT_POLICY["tiers"][2]["when"]["paths"]

    # then every sensitive path matches some glob and no ordinary path does
    assert [path for path in sensitive if not any(path_matches(path, g) for g in globs)] == []
    assert [path for path in ordinary if any(path_matches(path, g) for g in globs)] == []


# --- validation errors ----------------------------------------------------------------------


def test_an_unknown_key_names_the_key_and_its_line():
    text = "version: 1\ntiers:\n  - name: standard\n    aprovals: {count: 2}\n"

    error = load_error(text)

    assert error.message == (
        "tiers[0]: unknown key 'aprovals' (allowed: name, level, approvals, sla_hours, when)"
    )
    assert error.line == 4
    assert str(error) == f"line 4: {error.message}"


def test_an_unknown_top_level_key():
    error = load_error("version: 1\n\ntierz: []\n")

    assert (error.message, error.line) == (
        "unknown key 'tierz' "
        "(allowed: version, tiers, checklist, limits, feedback, usage_boundaries)",
        3,
    )


def test_a_wrong_type_names_expected_and_actual():
    text = "version: 1\ntiers:\n  - name: standard\n    sla_hours: soon\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "tiers[0].sla_hours: must be an integer, got a string",
        4,
    )


def test_a_negative_approval_count():
    text = "version: 1\ntiers:\n  - name: standard\n    approvals:\n      count: -1\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "tiers[0].approvals.count: must be at least 0, got -1",
        5,
    )


def test_a_tiers_minimum_catch_rate_is_read_evaluated_and_described():
    text = (
        "version: 1\ntiers:\n  - name: standard\n    approvals:\n      count: 1\n"
        "      min_catch_rate: 0.6\n"
    )
    policy = policy_load(text)
    assert policy.tier("standard").min_catch_rate == 0.6
    assert policy.tier("sensitive").min_catch_rate is None
    result = policy_evaluate(policy, files=[("README.md", 1)])
    assert (result.tier, result.min_catch_rate) == ("standard", 0.6)
    assert "approvers must catch 60% of calibration flaws" in policy_describe(policy)
    error = load_error(text.replace("0.6", "1.5"))
    assert (error.message, error.line) == (
        "tiers[0].approvals.min_catch_rate: must be at most 1, got 1.5",
        6,
    )


def test_paths_given_as_a_string_instead_of_a_list():
    text = "version: 1\nusage_boundaries:\n  - ai: prohibited\n    paths: '**/crypto/**'\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "usage_boundaries[0].paths: must be a list, got a string",
        4,
    )


def test_a_glob_that_is_not_a_string_or_is_absolute():
    text = "version: 1\nusage_boundaries:\n  - ai: prohibited\n    paths:\n      - 42\n"
    absolute = "version: 1\nusage_boundaries:\n  - ai: prohibited\n    paths: ['/etc/**']\n"

    error = load_error(text)
    absolute_error = load_error(absolute)

    assert (error.message, error.line) == (
        "usage_boundaries[0].paths[0]: must be a string, got an integer",
        5,
    )
    assert (absolute_error.message, absolute_error.line) == (
        "usage_boundaries[0].paths[0]: must be a relative path glob (no leading '/'), "
        "got '/etc/**'",
        4,
    )


def test_a_yaml_syntax_error_gives_its_line():
    text = "version: 1\ntiers:\n  - name: standard\n    sla_hours: [24\n  - name: x\n"

    error = load_error(text)

    assert error.message.startswith("YAML syntax error: ")
    assert error.line == 5


def test_a_tab_indentation_error_gives_its_line():
    error = load_error("version: 1\ntiers:\n\t- name: x\n")

    assert error.message == "YAML syntax error: found character '\\t' that cannot start any token"
    assert error.line == 3


def test_a_file_over_the_size_limit_is_rejected_before_parsing():
    text = "version: 1\n# " + "x" * MAX_POLICY_BYTES + "\n"

    error = load_error(text)

    assert error.message == (
        f"the policy file is {len(text)} bytes; the limit is {MAX_POLICY_BYTES} bytes"
    )
    assert error.line is None


def test_an_alias_bomb_is_rejected():
    text = (
        "version: 1\n"
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    )

    error = load_error(text)

    assert error.message == (
        "the policy expands to more than 10000 YAML nodes "
        "(aliases that repeat large structures are not allowed)"
    )


def test_a_recursive_alias_is_rejected():
    error = load_error("version: 1\nloop: &loop [*loop]\n")

    assert error.message.startswith("the policy expands to more than 10000 YAML nodes")


def test_a_small_alias_is_allowed():
    text = (
        "version: 1\n"
        "usage_boundaries:\n"
        "  - {ai: prohibited, paths: &crypto ['lib/crypto/**']}\n"
        "  - {ai: exception_required, granted_by: security, paths: *crypto}\n"
    )

    policy = policy_load(text)

    assert [b.paths for b in policy.usage_boundaries] == [("lib/crypto/**",), ("lib/crypto/**",)]


def test_a_duplicate_key_is_an_error_not_a_silent_override():
    text = "version: 1\ntiers: []\nusage_boundaries: []\ntiers: []\n"

    error = load_error(text)

    assert (error.message, error.line) == ("duplicate key 'tiers'", 4)


def test_the_version_is_required_and_must_be_1():
    missing = load_error("tiers: []\n")
    wrong = load_error("version: 2\n")

    assert (missing.message, missing.line) == ("missing required key 'version'", 1)
    assert (wrong.message, wrong.line) == ("version: must be 1, got 2", 1)


def test_a_policy_that_is_not_a_mapping():
    error = load_error("- version: 1\n")

    assert (error.message, error.line) == ("the policy must be a mapping, got a list", 1)


def test_an_unknown_severity_and_an_empty_when():
    severity = load_error(
        "version: 1\ntiers:\n  - name: sensitive\n    when:\n"
        "      findings: {severity_at_least: huge}\n"
    )
    empty = load_error("version: 1\ntiers:\n  - name: sensitive\n    when: {}\n")

    assert (severity.message, severity.line) == (
        "tiers[0].when.findings.severity_at_least: must be one of info, low, medium, high, "
        "critical, got 'huge'",
        5,
    )
    assert (empty.message, empty.line) == ("tiers[0].when: must name at least 1 condition(s)", 4)


def test_exception_required_needs_a_granting_group():
    text = "version: 1\nusage_boundaries:\n  - paths: ['pay/**']\n    ai: exception_required\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "usage_boundaries[0]: ai: exception_required needs granted_by (the group that grants it)",
        3,
    )


def test_a_new_tier_must_be_complete():
    text = "version: 1\ntiers:\n  - name: urgent\n    sla_hours: 4\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "tiers[0] (urgent): missing required key 'level' (a new tier needs level, approvals and "
        "sla_hours)",
        3,
    )


def test_two_tiers_with_one_level_and_groups_beyond_the_count():
    same_level = (
        "version: 1\ntiers:\n"
        "  - name: urgent\n    level: 20\n    approvals: {count: 1}\n    sla_hours: 4\n"
        "    when: {size_above: 10}\n"
    )
    too_few = "version: 1\ntiers:\n  - name: standard\n    approvals: {count: 1, groups: [a, b]}\n"

    level_error = load_error(same_level)
    count_error = load_error(too_few)

    assert (level_error.message, level_error.line) == (
        "tiers[0] (urgent): level 20 is already used by tier 'sensitive' (levels decide which "
        "tier wins, so they must differ)",
        3,
    )
    assert (count_error.message, count_error.line) == (
        "tiers[0] (standard): approvals.count 1 is less than the 2 groups that must approve",
        4,
    )


def test_a_policy_without_a_base_tier_is_rejected():
    text = "version: 1\ntiers:\n  - name: standard\n    when: {size_above: 0}\n"

    error = load_error(text)

    assert (error.message, error.line) == (
        "no base tier: at least one tier must have no `when`, so every pull request gets a tier",
        3,
    )


def test_too_many_globs():
    globs = "".join(f"      - 'dir{n}/**'\n" for n in range(201))
    text = f"version: 1\ntiers:\n  - name: sensitive\n    when:\n      paths:\n{globs}"

    error = load_error(text)

    assert (error.message, error.line) == (
        "tiers[0].when.paths: must have at most 200 items, got 201",
        6,
    )


# --- merging over installation defaults -----------------------------------------------------


INSTALLATION_DEFAULTS = {
    "tiers": [
        {"name": "standard", "level": 0, "approvals": {"count": 1}, "sla_hours": 72},
        {
            "name": "critical",
            "level": 50,
            "approvals": {"count": 3, "groups": ["security", "cto"]},
            "sla_hours": 8,
            "when": {"paths": ["core/**"]},
        },
    ],
    "usage_boundaries": [{"paths": ["vendor/**"], "ai": "prohibited"}],
}


def test_the_file_merges_over_installation_defaults_per_key():
    # given installation defaults and a file overriding one key of one tier and adding a boundary
    text = (
        "version: 1\n"
        "tiers:\n"
        "  - name: critical\n"
        "    sla_hours: 4\n"
        "usage_boundaries:\n"
        "  - paths: ['billing/**']\n"
        "    ai: exception_required\n"
        "    granted_by: finance\n"
    )

    # when the file is loaded over them
    policy = policy_load(text, defaults=INSTALLATION_DEFAULTS)

    # then the file wins for its key, the rest is inherited, and boundaries are concatenated
    assert policy.tiers == (
        Tier(
            name="critical",
            level=50,
            approvals=3,
            groups=("security", "cto"),
            sla_hours=4,
            when=TierConditions(paths=("core/**",)),
        ),
        Tier(name="standard", level=0, approvals=1, groups=(), sla_hours=72),
    )
    assert policy.usage_boundaries == (
        UsageBoundary(paths=("vendor/**",), ai="prohibited"),
        UsageBoundary(paths=("billing/**",), ai="exception_required", granted_by="finance"),
    )


def test_installation_defaults_are_validated_too():
    # given defaults with a negative SLA, and defaults with no base tier
    bad = {"tiers": [{"name": "standard", "level": 0, "approvals": {"count": 1}, "sla_hours": -5}]}
    no_base = {"tiers": [INSTALLATION_DEFAULTS["tiers"][1]]}

    # then each is rejected with the problem, and no line (they come from the admin, not a file)
    with pytest.raises(PolicyError) as caught:
        policy_load("version: 1\n", defaults=bad)
    with pytest.raises(PolicyError) as caught_no_base:
        policy_defaults_validate(no_base)
    assert (caught.value.message, caught.value.line) == (
        "installation defaults: tiers[0].sla_hours: must be at least 1, got -5",
        None,
    )
    assert caught_no_base.value.message == (
        "installation defaults: no base tier: at least one tier must have no `when`, so every "
        "pull request gets a tier"
    )


def test_loading_does_not_mutate_the_defaults():
    before = repr(DEFAULT_POLICY)

    policy_load("version: 1\ntiers:\n  - name: sensitive\n    approvals: {count: 3}\n")

    assert repr(DEFAULT_POLICY) == before


# --- tier selection -------------------------------------------------------------------------


def test_an_ordinary_change_gets_the_base_tier_with_its_reason():
    result = policy_evaluate(
        policy_load(None),
        files=[("shop/orders.py", 4), ("README.md", 1)],
        findings=[("medium", 79, "shop/orders.py", 3, "open")],
        additions=5,
        ai_added_lines=2,
    )

    assert (result.tier, result.level, result.required_approvals) == ("standard", 0, 1)
    assert (result.required_groups, result.sla_hours) == ((), 48)
    assert result.reasons == (
        Reason("tier standard", "the base tier: no higher tier's conditions matched"),
    )
    assert (result.boundary_violations, result.exceptions_needed) == ((), ())


def test_a_sensitive_path_with_globstar_selects_sensitive_and_says_which_glob():
    result = policy_evaluate(
        policy_load(None),
        files=[("shop/orders.py", 4), ("api/v2/auth/tokens.py", 9), ("payments/charge.py", 1)],
        additions=14,
    )

    assert (result.tier, result.required_approvals, result.required_groups) == (
        "sensitive",
        2,
        ("security",),
    )
    assert result.sla_hours == 24
    assert result.reasons == (
        Reason("tier sensitive", "path api/v2/auth/tokens.py matched **/auth/**"),
        Reason("tier sensitive", "path payments/charge.py matched **/payment*/**"),
    )


def test_an_open_high_finding_selects_sensitive_but_a_triaged_away_one_does_not():
    policy = policy_load(None)
    files = [("shop/orders.py", 4)]

    open_high = policy_evaluate(
        policy, files=files, findings=[("high", 89, "shop/orders.py", 12, "open")], additions=4
    )
    confirmed = policy_evaluate(
        policy,
        files=files,
        findings=[("critical", None, "shop/orders.py", 3, "confirmed")],
        additions=4,
    )
    triaged_away = policy_evaluate(
        policy,
        files=files,
        findings=[
            ("high", 89, "shop/orders.py", 12, "false_positive"),
            ("critical", 78, "shop/orders.py", 20, "accepted_risk"),
            ("medium", 89, "shop/orders.py", 30, "open"),
        ],
        additions=4,
    )

    assert open_high.tier == "sensitive"
    assert open_high.reasons == (
        Reason(
            "tier sensitive",
            "open high finding CWE-89 at shop/orders.py:12 matched severity_at_least: high",
        ),
    )
    assert confirmed.reasons == (
        Reason(
            "tier sensitive",
            "confirmed critical finding at shop/orders.py:3 matched severity_at_least: high",
        ),
    )
    assert triaged_away.tier == "standard"


def test_findings_by_cwe():
    policy = policy_load(docs_example())
    files = [("shop/orders.py", 4)]

    injection = policy_evaluate(
        policy, files=files, findings=[("low", 78, "shop/run.py", 7, "open")], additions=4
    )
    other_cwe = policy_evaluate(
        policy, files=files, findings=[("low", 79, "shop/run.py", 7, "open")], additions=4
    )

    assert (injection.tier, injection.required_groups, injection.sla_hours) == (
        "injection-risk",
        ("security", "leads"),
        8,
    )
    assert injection.reasons == (
        Reason(
            "tier injection-risk",
            "open low finding CWE-78 at shop/run.py:7 matched cwe: [89, 78, 94]",
        ),
    )
    assert other_cwe.tier == "standard"


def test_ai_share_above_the_threshold_only():
    policy = policy_load(None)
    files = [("shop/orders.py", 100)]

    above = policy_evaluate(policy, files=files, additions=100, ai_added_lines=51)
    at = policy_evaluate(policy, files=files, additions=100, ai_added_lines=50)
    nothing_added = policy_evaluate(policy, files=files, additions=0, ai_added_lines=0)

    assert above.tier == "ai-heavy"
    assert above.reasons == (
        Reason("tier ai-heavy", "AI wrote 51% of the added lines (51 of 100), above 50%"),
    )
    assert (above.required_approvals, above.sla_hours) == (2, 36)
    assert at.tier == "standard"
    assert nothing_added.tier == "standard"


def test_size_above():
    policy = policy_load(docs_example())

    large = policy_evaluate(policy, files=[("shop/orders.py", 801)], additions=801)
    at_limit = policy_evaluate(policy, files=[("shop/orders.py", 800)], additions=800)

    assert (large.tier, large.reasons) == (
        "large",
        (Reason("tier large", "801 added lines, above 800"),),
    )
    assert at_limit.tier == "standard"


def test_the_highest_matching_level_wins_and_only_its_reasons_are_given():
    # given a pull request that is AI-heavy, large, on a sensitive path, with an injection finding
    policy = policy_load(docs_example())

    result = policy_evaluate(
        policy,
        files=[("shop/billing.py", 900)],
        findings=[("high", 89, "shop/billing.py", 40, "open")],
        additions=900,
        ai_added_lines=900,
    )

    # then the highest level (injection-risk, 30) wins
    assert (result.tier, result.level, result.required_approvals) == ("injection-risk", 30, 2)
    assert result.reasons == (
        Reason(
            "tier injection-risk",
            "open high finding CWE-89 at shop/billing.py:40 matched cwe: [89, 78, 94]",
        ),
    )


def test_reasons_are_capped_and_paths_shown_safely():
    files = [(f"auth/m{n}.py", 1) for n in range(12)] + [("auth/\u202egnp.py", 1)]

    result = policy_evaluate(policy_load(None), files=files, additions=13)

    assert len(result.reasons) == 11
    assert result.reasons[0] == Reason("tier sensitive", "path auth/m0.py matched **/auth/**")
    assert result.reasons[-1] == Reason("tier sensitive", "and 3 more matching files")
    hidden = policy_evaluate(policy_load(None), files=[("auth/\u202egnp.py", 1)], additions=1)
    assert hidden.reasons == (
        Reason("tier sensitive", "path auth/\\u202egnp.py matched **/auth/**"),
    )


# --- usage boundaries -----------------------------------------------------------------------


def test_ai_written_hunks_on_prohibited_paths_are_violations_and_others_are_not():
    policy = policy_load(docs_example())

    result = policy_evaluate(
        policy,
        files=[("shop/crypto/keys.py", 12), ("shop/orders.py", 3)],
        hunks=[
            HunkInput("shop/crypto/keys.py", "ai", 5, hunk_index=0, start=10),
            HunkInput("shop/crypto/keys.py", "human", 4, hunk_index=1, start=40),
            HunkInput("shop/crypto/keys.py", "unknown", 3, hunk_index=2, start=60),
            HunkInput("shop/crypto/keys.py", "ai", 0, hunk_index=3, start=80),
            ("shop/orders.py", "ai", 3),
            ("certs/server.pem", "ai", 1, 0),
        ],
        additions=15,
    )

    assert result.boundary_violations == (
        BoundaryViolation(
            "shop/crypto/keys.py",
            "hunk 0 at line 10, 5 added lines",
            "usage_boundaries[0]: AI-written code is prohibited in shop/crypto/**",
        ),
        BoundaryViolation(
            "certs/server.pem",
            "hunk 0, 1 added line",
            "usage_boundaries[0]: AI-written code is prohibited in **/*.pem",
        ),
    )
    assert result.exceptions_needed == ()


def test_exception_required_names_the_group_once_per_path():
    policy = policy_load(docs_example())

    result = policy_evaluate(
        policy,
        files=[("shop/payments/refund.py", 20)],
        hunks=[
            ("shop/payments/refund.py", "ai", 5, 0),
            ("shop/payments/refund.py", "ai", 7, 1),
            ("shop/payments/audit.py", "human", 7, 0),
        ],
        additions=19,
    )

    assert result.exceptions_needed == (ExceptionNeeded("shop/payments/refund.py", "security"),)
    assert result.boundary_violations == ()


def test_no_boundaries_no_violations_even_for_ai_code():
    result = policy_evaluate(
        policy_load(None),
        files=[("lib/crypto/aes.py", 5)],
        hunks=[("lib/crypto/aes.py", "ai", 5, 0)],
        additions=5,
        ai_added_lines=5,
    )

    assert (result.boundary_violations, result.exceptions_needed) == ((), ())


# --- the policy_check command ---------------------------------------------------------------


def test_policy_check_prints_the_effective_policy_for_a_valid_file(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(docs_example(), encoding="utf-8")
    out = io.StringIO()

    call_command("policy_check", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"{path}: valid"
    assert lines[1] == "Tiers (the highest matching level wins):"
    assert lines[2] == (
        "  injection-risk (level 30): 2 approvals, including one from each of: security, "
        "leads; SLA 8 h"
    )
    assert "    when an open finding with CWE 89, 78, 94" in lines
    assert "  standard (level 0): 1 approval; SLA 24 h" in lines
    assert lines[-5:] == [
        "Usage boundaries:",
        "  AI-written code prohibited: shop/crypto/**, **/*.pem",
        "  AI-written code needs an exception granted by security: shop/payments/**",
        "Checklist:",
        "  at most 10 AI-written functions get comprehension questions; at most 200 assumption "
        "challenges",
    ]


def test_policy_check_reads_the_default_file_in_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / ".reviewbench.yml").write_text("version: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()

    call_command("policy_check", stdout=out)

    assert out.getvalue().splitlines()[0] == ".reviewbench.yml: valid"
    assert out.getvalue().splitlines()[-4:] == [
        "Usage boundaries:",
        "  none",
        "Checklist:",
        "  at most 10 AI-written functions get comprehension questions; at most 200 assumption "
        "challenges",
    ]


def test_policy_check_reports_an_invalid_file_with_exit_1(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("version: 1\ntiers:\n  - name: standard\n    sla_hours: -2\n", "utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("policy_check", str(path), stdout=out)

    assert caught.value.returncode == 1
    assert str(caught.value) == f"{path}: line 4: tiers[0].sla_hours: must be at least 1, got -2"
    assert out.getvalue() == ""


def test_policy_check_reads_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"version: 1\nfoo: 1\n")))

    with pytest.raises(CommandError) as caught:
        call_command("policy_check", "-")

    assert caught.value.returncode == 1
    assert str(caught.value) == (
        "<stdin>: line 2: unknown key 'foo' "
        "(allowed: version, tiers, checklist, limits, feedback, usage_boundaries)"
    )


def test_policy_check_a_missing_file_is_a_usage_error(tmp_path):
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("policy_check", str(tmp_path / "absent.yml"), stdout=out)

    assert caught.value.returncode == 2
    assert str(caught.value) == f"cannot read {tmp_path / 'absent.yml'}: No such file or directory"
    assert out.getvalue() == ""


def test_policy_check_rejects_a_too_large_or_non_utf8_file(tmp_path):
    large = tmp_path / "large.yml"
    large.write_bytes(b"#" * (MAX_POLICY_BYTES + 10))
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes(b"version: 1\n# caf\xe9\n")

    with pytest.raises(CommandError) as caught_large:
        call_command("policy_check", str(large))
    with pytest.raises(CommandError) as caught_latin1:
        call_command("policy_check", str(latin1))

    assert (caught_large.value.returncode, str(caught_large.value)) == (
        1,
        f"{large}: the policy file is larger than the limit of {MAX_POLICY_BYTES} bytes",
    )
    assert (caught_latin1.value.returncode, str(caught_latin1.value)) == (
        1,
        f"{latin1}: the policy file is not UTF-8 (byte 16)",
    )


def test_policy_check_exit_codes_from_the_command_line(tmp_path):
    # given a valid file, an invalid file, and too many arguments
    valid = tmp_path / "valid.yml"
    valid.write_text("version: 1\n", encoding="utf-8")
    invalid = tmp_path / "invalid.yml"
    invalid.write_text("version: 1\ntiers: {}\n", encoding="utf-8")
    manage = [sys.executable, str(ROOT / "manage.py"), "policy_check"]
    env = {**os.environ, "DJANGO_DEBUG": "1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )

    ok, bad, usage = run(str(valid)), run(str(invalid)), run("a.yml", "b.yml")

    assert (ok.returncode, ok.stdout.splitlines()[0]) == (0, f"{valid}: valid")
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        f"CommandError: {invalid}: line 2: tiers: must be a list, got a mapping"
    )
    assert bad.stdout == ""
    assert usage.returncode == 2
    assert "unrecognized arguments: b.yml" in usage.stderr


# --- checklist settings (issue 14) ---------------------------------------------------------------


def test_checklist_limits_merge_key_by_key_over_the_defaults():
    from reviewbench.policy import ChecklistSettings

    assert policy_load(None).checklist == ChecklistSettings(
        comprehension_limit=10, assumption_limit=200
    )
    policy = policy_load("version: 1\nchecklist:\n  comprehension_limit: 3\n")
    assert policy.checklist == ChecklistSettings(comprehension_limit=3, assumption_limit=200)
    defaults = {**DEFAULT_POLICY, "checklist": {"assumption_limit": 40}}
    merged = policy_load("version: 1\nchecklist:\n  comprehension_limit: 0\n", defaults=defaults)
    assert merged.checklist == ChecklistSettings(comprehension_limit=0, assumption_limit=40)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "version: 1\nchecklist:\n  comprehension_limit: -1\n",
            "checklist.comprehension_limit: must be at least 0, got -1",
            3,
        ),
        (
            "version: 1\nchecklist:\n  assumption_limit: 100000\n",
            "checklist.assumption_limit: must be at most 500, got 100000",
            3,
        ),
        (
            "version: 1\nchecklist:\n  questions: 4\n",
            "checklist: unknown key 'questions' "
            "(allowed: comprehension_limit, assumption_limit, require_ai_declaration)",
            3,
        ),
    ],
)
def test_bad_checklist_settings_are_errors_with_their_line(text, message, line):
    with pytest.raises(PolicyError) as error:
        policy_load(text)
    assert (error.value.message, error.value.line) == (message, line)


def test_compiled_globs_match_exactly_what_wcmatch_matches():
    from wcmatch import glob

    from reviewbench.policy.evaluation import path_matches
    from reviewbench.policy.schema import GLOB_FLAGS

    patterns = ["**/auth/**", "src/*.py", "**/*.{py,js}", "payments/**", "!x", "a/[bc]*/d",
                "**/.env*", "Secrets/**", "**"]  # fmt: skip
    paths = ["src/auth/login.py", "src/app.py", "src/sub/app.py", "PAYMENTS/charge.go",
             "a/bee/d", "a/x/d", ".env.local", "cfg/.env", "secrets/key.pem", "x", "",
             "weird name/ü.py", "dir/../auth/x.py"]  # fmt: skip
    for pattern in patterns:
        for path in paths:
            expected = glob.globmatch(path, pattern, flags=GLOB_FLAGS)
            assert path_matches(path, pattern) == expected, (path, pattern)


def test_analysis_limits_merge_key_by_key_over_the_defaults():
    from reviewbench.policy import LimitSettings

    assert policy_load(None).limits == LimitSettings(
        max_files=3000, max_file_bytes=1024 * 1024, scanner_seconds=300
    )
    defaults = {**DEFAULT_POLICY, "limits": {"scanner_seconds": 60}}
    merged = policy_load("version: 1\nlimits:\n  max_files: 500\n", defaults=defaults)
    assert merged.limits == LimitSettings(
        max_files=500, max_file_bytes=1024 * 1024, scanner_seconds=60
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nlimits:\n  max_files: 0\n", "limits.max_files: must be at least 1, got 0"),
        (
            "version: 1\nlimits:\n  max_file_bytes: 99999999\n",
            "limits.max_file_bytes: must be at most 1048576, got 99999999",
        ),
        (
            "version: 1\nlimits:\n  seconds: 4\n",
            "limits: unknown key 'seconds' (allowed: max_files, max_file_bytes, scanner_seconds)",
        ),
    ],
)
def test_bad_limits_are_errors_with_their_line(text, message):
    with pytest.raises(PolicyError) as error:
        policy_load(text)
    assert (error.value.message, error.value.line) == (message, 3)
