"""Policy as code, pure: `.reviewbench.yml` parsed, validated, merged over defaults and evaluated.

The file is read from the pull request's BASE branch by the caller, so a pull request cannot weaken
its own rules; this module only ever sees that text. It is still untrusted input: it is bounded
(size, tiers, globs, YAML nodes), parsed with `yaml.safe_load` only, validated against `SCHEMA`, and
every error names the exact problem and the line (`PolicyError`), because a failed check run shows
that message verbatim. Path globs are matched with wcmatch (which escapes everything but the glob
syntax), never turned into a regex here. The format is documented in docs/POLICY.md.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jsonschema
import yaml
from wcmatch import glob

POLICY_VERSION = 1
MAX_POLICY_BYTES = 64 * 1024
MAX_TIERS = 50
MAX_BOUNDARIES = 50
MAX_GLOBS = 200
MAX_GLOB_LENGTH = 300
MAX_CWES = 200
# Counted with aliases expanded, so a "billion laughs" file fails here instead of in the loader.
MAX_YAML_NODES = 10_000
MAX_APPROVALS = 20
MAX_SLA_HOURS = 24 * 365
# Reasons are shown on the PR page and in the check summary: a few per condition is enough.
MAX_REASONS_PER_CONDITION = 10
DISPLAY_LIMIT = 200

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
# Triage states that still count as a problem: false positives and accepted risks are triaged away.
COUNTING_TRIAGE = frozenset({"open", "confirmed"})
AI_AUTHORSHIP = "ai"
AI_PROHIBITED = "prohibited"
AI_EXCEPTION_REQUIRED = "exception_required"

# `**` spans directories (and matches none); dot-files match like any other; case is ignored so
# `Auth/` cannot slip past `**/auth/**` (a false match only asks for a stricter review).
GLOB_FLAGS = glob.GLOBSTAR | glob.DOTMATCH | glob.IGNORECASE

SENSITIVE_PATHS: tuple[str, ...] = (
    "**/auth/**",
    "**/*auth*.py",
    "**/login*",
    "**/login*/**",
    "**/session*",
    "**/session*/**",
    "**/permission*",
    "**/permission*/**",
    "**/payment*",
    "**/payment*/**",
    "**/billing*",
    "**/billing/**",
    "**/crypto*",
    "**/crypto/**",
    "**/*secret*",
    "**/*secret*/**",
    "**/settings*.py",
    "**/settings/**",
    "**/.env*",
    "**/Dockerfile*",
    "**/docker-compose*.y*ml",
    "**/*.tf",
    "**/*.tfvars",
    ".github/workflows/**",
    ".github/actions/**",
    "**/k8s/**",
    "**/helm/**",
    "**/terraform/**",
)

DEFAULT_POLICY: dict[str, Any] = {
    "version": POLICY_VERSION,
    "tiers": [
        {
            "name": "standard",
            "level": 0,
            "approvals": {"count": 1, "groups": []},
            "sla_hours": 48,
        },
        {
            "name": "ai-heavy",
            "level": 10,
            "approvals": {"count": 2, "groups": []},
            "sla_hours": 36,
            "when": {"ai_share_above": 0.5},
        },
        {
            "name": "sensitive",
            "level": 20,
            "approvals": {"count": 2, "groups": ["security"]},
            "sla_hours": 24,
            "when": {
                "paths": list(SENSITIVE_PATHS),
                "findings": {"severity_at_least": "high"},
            },
        },
    ],
    "usage_boundaries": [],
}

_GLOB_LIST = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_GLOBS,
    "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_GLOB_LENGTH,
        # Changed paths from GitHub are relative: an absolute glob would silently never match.
        "pattern": r"^[^/\x00]",
        "errorMessage": "must be a relative path glob (no leading '/')",
    },
}
_GROUP_NAME = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9][A-Za-z0-9 _.@+\-]{0,149}$",
    "errorMessage": "must be a group name (letters, digits, ' _.@+-', at most 150 characters)",
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "version": {"const": POLICY_VERSION},
        "tiers": {
            "type": "array",
            "maxItems": MAX_TIERS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {
                        "type": "string",
                        "pattern": r"^[a-z0-9][a-z0-9_-]{0,49}$",
                        "errorMessage": (
                            "must be a tier name (lower-case letters, digits, '-' and '_', "
                            "at most 50 characters)"
                        ),
                    },
                    "level": {"type": "integer", "minimum": 0, "maximum": 1000},
                    "approvals": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["count"],
                        "properties": {
                            "count": {"type": "integer", "minimum": 0, "maximum": MAX_APPROVALS},
                            "groups": {
                                "type": "array",
                                "maxItems": MAX_APPROVALS,
                                "uniqueItems": True,
                                "items": _GROUP_NAME,
                            },
                        },
                    },
                    "sla_hours": {"type": "integer", "minimum": 1, "maximum": MAX_SLA_HOURS},
                    "when": {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "paths": _GLOB_LIST,
                            "findings": {
                                "type": "object",
                                "additionalProperties": False,
                                "minProperties": 1,
                                "properties": {
                                    "severity_at_least": {"enum": list(SEVERITIES)},
                                    "cwe": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": MAX_CWES,
                                        "items": {"type": "integer", "minimum": 1},
                                    },
                                },
                            },
                            "ai_share_above": {"type": "number", "minimum": 0, "maximum": 1},
                            "size_above": {"type": "integer", "minimum": 0},
                        },
                    },
                },
            },
        },
        "usage_boundaries": {
            "type": "array",
            "maxItems": MAX_BOUNDARIES,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths", "ai"],
                "properties": {
                    "paths": _GLOB_LIST,
                    "ai": {"enum": [AI_PROHIBITED, AI_EXCEPTION_REQUIRED]},
                    "granted_by": _GROUP_NAME,
                },
            },
        },
    },
}
FILE_SCHEMA: dict[str, Any] = {**SCHEMA, "required": ["version"]}
_FILE_VALIDATOR = jsonschema.Draft202012Validator(FILE_SCHEMA)
_DEFAULTS_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_TIER_REQUIRED = ("level", "approvals", "sla_hours")


class PolicyError(ValueError):
    """An invalid policy: `message` is shown as is in the failed check run, `line` is 1-based."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class FindingCondition:
    severity_at_least: str | None = None
    cwe: tuple[int, ...] = ()


@dataclass(frozen=True)
class TierConditions:
    paths: tuple[str, ...] = ()
    findings: FindingCondition | None = None
    ai_share_above: float | None = None
    size_above: int | None = None


@dataclass(frozen=True)
class Tier:
    name: str
    level: int
    approvals: int
    groups: tuple[str, ...]
    sla_hours: int
    # None: the tier applies to every pull request (the base tier).
    when: TierConditions | None = None


@dataclass(frozen=True)
class UsageBoundary:
    paths: tuple[str, ...]
    ai: str
    granted_by: str | None = None


@dataclass(frozen=True)
class Policy:
    version: int
    tiers: tuple[Tier, ...]  # by level, highest first
    usage_boundaries: tuple[UsageBoundary, ...]

    def tier(self, name: str) -> Tier:
        return next(tier for tier in self.tiers if tier.name == name)


class ChangedFileInput(NamedTuple):
    path: str
    added_lines: int = 0


class HunkInput(NamedTuple):
    path: str
    authorship: str
    added: int
    hunk_index: int | None = None  # Hunk.index
    start: int | None = None  # first line on the head side


class FindingInput(NamedTuple):
    severity: str
    cwe: int | None
    path: str
    line: int
    triage: str = "open"


class Reason(NamedTuple):
    tier: str  # "tier sensitive"
    text: str  # "path payments/charge.py matched **/payment*/**"


class BoundaryViolation(NamedTuple):
    path: str
    hunk: str  # "hunk 2 at line 10, 5 added lines"
    rule: str


class ExceptionNeeded(NamedTuple):
    path: str
    group: str


@dataclass(frozen=True)
class PolicyResult:
    tier: str
    level: int
    required_approvals: int
    required_groups: tuple[str, ...]
    sla_hours: int
    reasons: tuple[Reason, ...]
    boundary_violations: tuple[BoundaryViolation, ...]
    exceptions_needed: tuple[ExceptionNeeded, ...]


# ---------------------------------------------------------------------------------------------
# Parsing and validation


def policy_load(text: str | None, *, defaults: Mapping[str, Any] | None = None) -> Policy:
    """The base branch's `.reviewbench.yml` over installation defaults; raises PolicyError."""
    base = DEFAULT_POLICY if defaults is None else defaults
    policy_defaults_validate(base)
    data, root = _file_parse(text)
    if root is not None:
        _validate(data, root, _FILE_VALIDATOR)
        _check_file_rules(data, root)
    return _merge(base, data, root)


def policy_defaults_validate(defaults: Mapping[str, Any]) -> Policy:
    """Validate per-installation defaults (the admin's form uses this); raises PolicyError."""
    try:
        errors = list(_DEFAULTS_VALIDATOR.iter_errors(defaults))
    except (TypeError, ValueError, RecursionError):
        raise PolicyError("installation defaults: not a policy mapping") from None
    if errors:
        error = min(errors, key=lambda item: _path_text(item.absolute_path))
        raise PolicyError(f"installation defaults: {_error_message(error)}")
    try:
        _check_file_rules(defaults, None)
        return _merge(defaults, {}, None)
    except PolicyError as exc:
        raise PolicyError(f"installation defaults: {exc.message}") from None


def policy_defaults_load(text: str | None) -> dict[str, Any] | None:
    """Parse and validate an installation's policy defaults text (None when empty).

    Raises PolicyError("installation defaults: ...", line). The text is in .reviewbench.yml's
    format but stands alone (it replaces the built-in defaults), so it is validated as its own
    policy: with the same size, node and schema limits as a file, and a base tier of its own.
    """
    prefix = "installation defaults: "
    try:
        # The same bounded parse as a file: size cap, alias-bomb node count, duplicate keys.
        data, root = _file_parse(text)
        if root is None:
            return None
        _validate(data, root, _DEFAULTS_VALIDATOR)
        _check_file_rules(data, root)
        # Merged over nothing: the defaults must be a complete policy (a base tier, unique levels).
        _merge({}, data, root)
    except PolicyError as error:
        raise PolicyError(prefix + error.message, error.line) from None
    policy_defaults_validate(data)
    return data


def _file_parse(text: str | None) -> tuple[dict[str, Any], yaml.Node | None]:
    if text is None or not text.strip():
        return {}, None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_POLICY_BYTES:
        raise PolicyError(
            f"the policy file is {size} bytes; the limit is {MAX_POLICY_BYTES} bytes", None
        )
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = _display(exc.problem or str(exc), 120)
        raise PolicyError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML error: {_display(str(exc), 120)}", None) from None
    except RecursionError:
        raise PolicyError("the policy is nested too deeply", None) from None
    if root is None:  # only comments
        return {}, None
    _check_nodes(root)
    # The node tree is bounded now, so constructing it cannot blow up.
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise PolicyError(f"the policy must be a mapping, got {_type_name(data)}", _line(root))
    return data, root


def _check_nodes(root: yaml.Node) -> None:
    """Count nodes with aliases expanded (alias bombs) and reject duplicate keys."""
    count = 0
    stack: list[yaml.Node] = [root]
    seen_mappings: set[int] = set()
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise PolicyError(
                f"the policy expands to more than {MAX_YAML_NODES} YAML nodes "
                "(aliases that repeat large structures are not allowed)",
                _line(node),
            )
        if isinstance(node, yaml.MappingNode):
            if id(node) not in seen_mappings:
                seen_mappings.add(id(node))
                keys: set[str] = set()
                for key, _value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        if key.value in keys:
                            raise PolicyError(
                                f"duplicate key '{_display(key.value, 60)}'", _line(key)
                            )
                        keys.add(key.value)
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _validate(data: Any, root: yaml.Node, validator: jsonschema.Draft202012Validator) -> None:
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    located = [
        (_error_line(error, root), _path_text(error.absolute_path), error) for error in errors
    ]
    line, _path, error = min(located, key=lambda item: (item[0] or 0, item[1]))
    raise PolicyError(_error_message(error), line)


def _check_file_rules(data: Mapping[str, Any], root: yaml.Node | None) -> None:
    """The rules a schema cannot say well: unique names and levels, group rules, the glob budget."""
    globs = 0
    names: set[str] = set()
    for index, tier in enumerate(data.get("tiers") or ()):
        if tier["name"] in names:
            raise PolicyError(
                f"tiers[{index}].name: tier '{tier['name']}' is defined twice",
                _node_line(root, ["tiers", index, "name"]),
            )
        names.add(tier["name"])
        globs += len((tier.get("when") or {}).get("paths") or ())
        if globs > MAX_GLOBS:
            raise PolicyError(
                f"too many path globs: the limit is {MAX_GLOBS}",
                _node_line(root, ["tiers", index, "when", "paths"]),
            )
    for index, boundary in enumerate(data.get("usage_boundaries") or ()):
        globs += len(boundary["paths"])
        if globs > MAX_GLOBS:
            raise PolicyError(
                f"too many path globs: the limit is {MAX_GLOBS}",
                _node_line(root, ["usage_boundaries", index, "paths"]),
            )
        where = f"usage_boundaries[{index}]"
        if boundary["ai"] == AI_EXCEPTION_REQUIRED and not boundary.get("granted_by"):
            raise PolicyError(
                f"{where}: ai: exception_required needs granted_by (the group that grants it)",
                _node_line(root, ["usage_boundaries", index]),
            )
        if boundary["ai"] == AI_PROHIBITED and boundary.get("granted_by"):
            raise PolicyError(
                f"{where}.granted_by: a prohibited path has no exception to grant",
                _node_line(root, ["usage_boundaries", index, "granted_by"]),
            )


def _merge(base: Mapping[str, Any], data: Mapping[str, Any], root: yaml.Node | None) -> Policy:
    # (tier dict, index in the file or None when it comes from the defaults), defaults' order first.
    merged: list[tuple[dict[str, Any], int | None]] = [
        (copy.deepcopy(dict(tier)), None) for tier in base.get("tiers") or ()
    ]
    by_name = {tier["name"]: position for position, (tier, _index) in enumerate(merged)}
    for index, tier in enumerate(data.get("tiers") or ()):
        if tier["name"] in by_name:
            position = by_name[tier["name"]]
            # The file wins per key; `when` and `approvals` are replaced whole, never mixed.
            merged[position] = ({**merged[position][0], **copy.deepcopy(tier)}, index)
        else:
            by_name[tier["name"]] = len(merged)
            merged.append((copy.deepcopy(tier), index))
    if len(merged) > MAX_TIERS:
        raise PolicyError(
            f"too many tiers: {len(merged)} with the defaults, the limit is {MAX_TIERS}"
        )
    tiers = [_tier_build(tier, index, root) for tier, index in merged]
    levels: dict[int, str] = {}
    for tier, (_raw, file_index) in zip(tiers, merged, strict=True):
        if tier.level in levels:
            raise PolicyError(
                f"{_tier_where(tier.name, file_index)}: level {tier.level} is already used by "
                f"tier '{levels[tier.level]}' (levels decide which tier wins, so they must differ)",
                _node_line(root, ["tiers", file_index]) if file_index is not None else None,
            )
        levels[tier.level] = tier.name
    if not any(tier.when is None for tier in tiers):
        raise PolicyError(
            "no base tier: at least one tier must have no `when`, so every pull request gets "
            "a tier",
            _node_line(root, ["tiers"]),
        )
    boundaries = [
        UsageBoundary(
            paths=tuple(boundary["paths"]), ai=boundary["ai"], granted_by=boundary.get("granted_by")
        )
        for boundary in [
            *(base.get("usage_boundaries") or ()),
            *(data.get("usage_boundaries") or ()),
        ]
    ]
    return Policy(
        version=POLICY_VERSION,
        tiers=tuple(sorted(tiers, key=lambda tier: tier.level, reverse=True)),
        usage_boundaries=tuple(boundaries),
    )


def _tier_where(name: str, index: int | None) -> str:
    return f"tiers[{index}] ({name})" if index is not None else f"default tier {name}"


def _tier_build(raw: Mapping[str, Any], index: int | None, root: yaml.Node | None) -> Tier:
    where = _tier_where(raw["name"], index)
    line = _node_line(root, ["tiers", index]) if index is not None else None
    missing = [key for key in _TIER_REQUIRED if key not in raw]
    if missing:
        raise PolicyError(
            f"{where}: missing required key '{missing[0]}' (a new tier needs level, approvals "
            "and sla_hours)",
            line,
        )
    approvals = raw["approvals"]
    groups = tuple(approvals.get("groups") or ())
    count = int(approvals["count"])
    if count < len(groups):
        raise PolicyError(
            f"{where}: approvals.count {count} is less than the {len(groups)} groups that must "
            "approve",
            _node_line(root, ["tiers", index, "approvals"]) if index is not None else None,
        )
    when = raw.get("when")
    conditions = None
    if when:
        findings = when.get("findings")
        conditions = TierConditions(
            paths=tuple(when.get("paths") or ()),
            findings=FindingCondition(
                severity_at_least=findings.get("severity_at_least"),
                cwe=tuple(int(cwe) for cwe in findings.get("cwe") or ()),
            )
            if findings
            else None,
            ai_share_above=float(when["ai_share_above"]) if "ai_share_above" in when else None,
            size_above=int(when["size_above"]) if "size_above" in when else None,
        )
    return Tier(
        name=raw["name"],
        level=int(raw["level"]),
        approvals=count,
        groups=groups,
        sla_hours=int(raw["sla_hours"]),
        when=conditions,
    )


# ---------------------------------------------------------------------------------------------
# Error messages and lines


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _path_text(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return f"'{_display(value, 60)}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _type_name(value)


def _extra_keys(error: jsonschema.ValidationError) -> list[str]:
    allowed = error.schema.get("properties", {})
    return sorted((str(key) for key in error.instance if key not in allowed), key=str)


def _error_message(error: jsonschema.ValidationError) -> str:
    where = _path_text(error.absolute_path)
    prefix = f"{where}: " if where else ""
    value = error.validator_value
    instance = error.instance
    match error.validator:
        case "additionalProperties":
            extra = _extra_keys(error)
            allowed = ", ".join(error.schema.get("properties", {}))
            return f"{prefix}unknown key '{_display(extra[0], 60)}' (allowed: {allowed})"
        case "required":
            missing = next(key for key in value if key not in instance)
            return f"{prefix}missing required key '{missing}'"
        case "type":
            return f"{prefix}must be {_TYPE_WORDS.get(value, value)}, got {_type_name(instance)}"
        case "minimum":
            return f"{prefix}must be at least {value}, got {_value_text(instance)}"
        case "maximum":
            return f"{prefix}must be at most {value}, got {_value_text(instance)}"
        case "enum":
            options = ", ".join(str(option) for option in value)
            return f"{prefix}must be one of {options}, got {_value_text(instance)}"
        case "const":
            return f"{prefix}must be {value}, got {_value_text(instance)}"
        case "minItems":
            return f"{prefix}must have at least {value} item(s)"
        case "maxItems":
            return f"{prefix}must have at most {value} items, got {len(instance)}"
        case "minProperties":
            return f"{prefix}must name at least {value} condition(s)"
        case "minLength":
            return f"{prefix}must not be empty"
        case "maxLength":
            return f"{prefix}must be at most {value} characters, got {len(instance)}"
        case "uniqueItems":
            return f"{prefix}must not repeat an item"
        case "pattern":
            message = error.schema.get("errorMessage", "has an invalid format")
            return f"{prefix}{message}, got {_value_text(instance)}"
    return f"{prefix}{_display(error.message, 200)}"


def _error_line(error: jsonschema.ValidationError, root: yaml.Node) -> int | None:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = _extra_keys(error)
        node = _node_at(root, path)
        if extra and isinstance(node, yaml.MappingNode):
            for key, _value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == extra[0]:
                    return _line(key)
    return _node_line(root, path)


def _node_at(root: yaml.Node, path: Sequence[Any]) -> yaml.Node | None:
    """The YAML node a jsonschema error path points at (the deepest one found)."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (value for key, value in node.value if getattr(key, "value", None) == str(part)),
                None,
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            match = node.value[part] if 0 <= part < len(node.value) else None
        else:
            match = None
        if match is None:
            return node
        node = match
    return node


def _node_line(root: yaml.Node | None, path: Sequence[Any]) -> int | None:
    if root is None:
        return None
    node = _node_at(root, path)
    return _line(node) if node is not None else None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _display(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """One bounded line; control, format (bidi) and separator characters are shown as escapes."""
    shown = "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char)[0] in "CZ" and char != " " else char
        for char in text[: limit * 2]
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Evaluation


def _as(kind: type, items: Iterable[Any]) -> list[Any]:
    return [item if isinstance(item, kind) else kind(*item) for item in items]


def path_matches(path: str, pattern: str) -> bool:
    """Whether a changed path matches a policy glob (`**` spans directories, case ignored)."""
    return glob.globmatch(path, pattern, flags=GLOB_FLAGS)


def policy_evaluate(
    policy: Policy,
    *,
    files: Iterable[ChangedFileInput | tuple],
    hunks: Iterable[HunkInput | tuple] = (),
    findings: Iterable[FindingInput | tuple] = (),
    additions: int = 0,
    ai_added_lines: int = 0,
) -> PolicyResult:
    """The tier a pull request falls in (highest matching level), why, and its boundary state."""
    file_rows = _as(ChangedFileInput, files)
    hunk_rows = _as(HunkInput, hunks)
    finding_rows = [
        finding for finding in _as(FindingInput, findings) if finding.triage in COUNTING_TRIAGE
    ]
    chosen: Tier | None = None
    reasons: list[Reason] = []
    for tier in policy.tiers:  # highest level first
        if tier.when is None:
            chosen = tier
            reasons = [
                Reason(f"tier {tier.name}", "the base tier: no higher tier's conditions matched")
            ]
            break
        matched = _tier_reasons(tier, file_rows, finding_rows, additions, ai_added_lines)
        if matched:
            chosen, reasons = tier, matched
            break
    if chosen is None:  # unreachable for a loaded policy: it always has a base tier
        raise PolicyError("no tier matched and the policy has no base tier")
    violations, exceptions = _boundaries(policy, hunk_rows)
    return PolicyResult(
        tier=chosen.name,
        level=chosen.level,
        required_approvals=chosen.approvals,
        required_groups=chosen.groups,
        sla_hours=chosen.sla_hours,
        reasons=tuple(reasons),
        boundary_violations=tuple(violations),
        exceptions_needed=tuple(exceptions),
    )


def _capped(label: str, lines: list[str], noun: str) -> list[Reason]:
    reasons = [Reason(label, line) for line in lines[:MAX_REASONS_PER_CONDITION]]
    if len(lines) > MAX_REASONS_PER_CONDITION:
        reasons.append(Reason(label, f"and {len(lines) - MAX_REASONS_PER_CONDITION} more {noun}"))
    return reasons


def _tier_reasons(
    tier: Tier,
    files: Sequence[ChangedFileInput],
    findings: Sequence[FindingInput],
    additions: int,
    ai_added_lines: int,
) -> list[Reason]:
    when = tier.when
    assert when is not None
    label = f"tier {tier.name}"
    reasons: list[Reason] = []
    if when.paths:
        lines = []
        for changed in files:
            pattern = next(
                (candidate for candidate in when.paths if path_matches(changed.path, candidate)),
                None,
            )
            if pattern is not None:
                lines.append(f"path {_display(changed.path)} matched {pattern}")
        reasons += _capped(label, lines, "matching files")
    if when.findings:
        lines = [
            _finding_reason(finding, when.findings)
            for finding in findings
            if _finding_matches(finding, when.findings)
        ]
        reasons += _capped(label, lines, "matching findings")
    if when.ai_share_above is not None and additions > 0:
        share = ai_added_lines / additions
        if share > when.ai_share_above:
            reasons.append(
                Reason(
                    label,
                    f"AI wrote {share:.0%} of the added lines ({ai_added_lines} of {additions}), "
                    f"above {when.ai_share_above:.0%}",
                )
            )
    if when.size_above is not None and additions > when.size_above:
        reasons.append(Reason(label, f"{additions} added lines, above {when.size_above}"))
    return reasons


def _finding_matches(finding: FindingInput, condition: FindingCondition) -> bool:
    # Both keys given: a finding must satisfy both.
    if condition.severity_at_least is not None:
        rank = SEVERITY_RANK.get(finding.severity, -1)
        if rank < SEVERITY_RANK[condition.severity_at_least]:
            return False
    return not condition.cwe or finding.cwe in condition.cwe


def _finding_reason(finding: FindingInput, condition: FindingCondition) -> str:
    cwe = f" CWE-{finding.cwe}" if finding.cwe else ""
    rules = []
    if condition.severity_at_least is not None:
        rules.append(f"severity_at_least: {condition.severity_at_least}")
    if condition.cwe:
        rules.append("cwe: [" + ", ".join(str(cwe) for cwe in condition.cwe) + "]")
    return (
        f"{finding.triage} {_display(finding.severity, 20)} finding{cwe} at "
        f"{_display(finding.path)}:{finding.line} matched {', '.join(rules)}"
    )


def _hunk_label(hunk: HunkInput) -> str:
    label = "hunk" if hunk.hunk_index is None else f"hunk {hunk.hunk_index}"
    if hunk.start is not None:
        label += f" at line {hunk.start}"
    return f"{label}, {hunk.added} added line{'s' if hunk.added != 1 else ''}"


def _boundaries(
    policy: Policy, hunks: Sequence[HunkInput]
) -> tuple[list[BoundaryViolation], list[ExceptionNeeded]]:
    violations: list[BoundaryViolation] = []
    exceptions: list[ExceptionNeeded] = []
    seen_exceptions: set[tuple[str, str]] = set()
    for hunk in hunks:
        # Only code the provenance analysis attributes to AI; a hunk that adds nothing adds no code.
        if hunk.authorship != AI_AUTHORSHIP or hunk.added <= 0:
            continue
        for index, boundary in enumerate(policy.usage_boundaries):
            pattern = next(
                (candidate for candidate in boundary.paths if path_matches(hunk.path, candidate)),
                None,
            )
            if pattern is None:
                continue
            if boundary.ai == AI_PROHIBITED:
                violations.append(
                    BoundaryViolation(
                        path=hunk.path,
                        hunk=_hunk_label(hunk),
                        rule=(
                            f"usage_boundaries[{index}]: AI-written code is prohibited in {pattern}"
                        ),
                    )
                )
            elif boundary.granted_by and (hunk.path, boundary.granted_by) not in seen_exceptions:
                seen_exceptions.add((hunk.path, boundary.granted_by))
                exceptions.append(ExceptionNeeded(path=hunk.path, group=boundary.granted_by))
    return violations, exceptions


def policy_describe(policy: Policy) -> str:
    """The effective tiers and usage boundaries as plain text (policy_check's output)."""
    lines = ["Tiers (the highest matching level wins):"]
    for tier in policy.tiers:
        groups = f", including one from each of: {', '.join(tier.groups)}" if tier.groups else ""
        lines.append(
            f"  {tier.name} (level {tier.level}): {tier.approvals} approval"
            f"{'s' if tier.approvals != 1 else ''}{groups}; SLA {tier.sla_hours} h"
        )
        when = tier.when
        if when is None:
            lines.append("    when: always (base tier)")
            continue
        conditions = []
        if when.paths:
            conditions.append(f"a changed path matches {', '.join(when.paths)}")
        if when.findings:
            parts = []
            if when.findings.severity_at_least:
                parts.append(f"severity at least {when.findings.severity_at_least}")
            if when.findings.cwe:
                parts.append("CWE " + ", ".join(str(cwe) for cwe in when.findings.cwe))
            conditions.append(f"an open finding with {' and '.join(parts)}")
        if when.ai_share_above is not None:
            conditions.append(f"the AI share of added lines is above {when.ai_share_above:.0%}")
        if when.size_above is not None:
            conditions.append(f"more than {when.size_above} lines are added")
        for position, condition in enumerate(conditions):
            lines.append(f"    {'when' if position == 0 else 'or'} {condition}")
    lines.append("Usage boundaries:")
    if not policy.usage_boundaries:
        lines.append("  none")
    for boundary in policy.usage_boundaries:
        rule = (
            "AI-written code prohibited"
            if boundary.ai == AI_PROHIBITED
            else f"AI-written code needs an exception granted by {boundary.granted_by}"
        )
        lines.append(f"  {rule}: {', '.join(boundary.paths)}")
    return "\n".join(lines) + "\n"
