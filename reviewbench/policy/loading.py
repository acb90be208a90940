"""Parsing, validating and merging `.reviewbench.yml` over defaults, with line-exact errors.

The text is untrusted input: it is bounded (size, tiers, globs, YAML nodes), parsed with
`yaml.safe_load` only, validated against `SCHEMA`, and every error names the exact problem and
the line (`PolicyError`), because a failed check run shows that message verbatim.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsonschema
import yaml

from reviewbench.policy.schema import (
    AI_EXCEPTION_REQUIRED,
    AI_PROHIBITED,
    DEFAULT_ASSUMPTION_LIMIT,
    DEFAULT_COMPREHENSION_LIMIT,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILES,
    DEFAULT_NOISY_PRECISION,
    DEFAULT_NOISY_WINDOW,
    DEFAULT_POLICY,
    DEFAULT_SCANNER_SECONDS,
    DEFAULTS_VALIDATOR,
    DISPLAY_LIMIT,
    FILE_VALIDATOR,
    MAX_GLOBS,
    MAX_POLICY_BYTES,
    MAX_TIERS,
    MAX_YAML_NODES,
    POLICY_VERSION,
    TIER_REQUIRED,
)
from reviewbench.policy.values import (
    ChecklistSettings,
    FeedbackSettings,
    FindingCondition,
    LimitSettings,
    Policy,
    PolicyError,
    Tier,
    TierConditions,
    UsageBoundary,
)

# ---------------------------------------------------------------------------------------------
# Parsing and validation


def policy_load(text: str | None, *, defaults: Mapping[str, Any] | None = None) -> Policy:
    """The base branch's `.reviewbench.yml` over installation defaults; raises PolicyError."""
    base = DEFAULT_POLICY if defaults is None else defaults
    policy_defaults_validate(base)
    data, root = _file_parse(text)
    if root is not None:
        _validate(data, root, FILE_VALIDATOR)
        _check_file_rules(data, root)
    return _merge(base, data, root)


def policy_defaults_validate(defaults: Mapping[str, Any]) -> Policy:
    """Validate per-installation defaults (the admin's form uses this); raises PolicyError."""
    try:
        errors = list(DEFAULTS_VALIDATOR.iter_errors(defaults))
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
        _validate(data, root, DEFAULTS_VALIDATOR)
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
        problem = display_text(exc.problem or str(exc), 120)
        raise PolicyError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"YAML error: {display_text(str(exc), 120)}", None) from None
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
                                f"duplicate key '{display_text(key.value, 60)}'", _line(key)
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
    # Checklist settings merge key by key: the file's keys win, the others are inherited.
    checklist = {**(base.get("checklist") or {}), **(data.get("checklist") or {})}
    limits = {**(base.get("limits") or {}), **(data.get("limits") or {})}
    feedback = {**(base.get("feedback") or {}), **(data.get("feedback") or {})}
    return Policy(
        version=POLICY_VERSION,
        tiers=tuple(sorted(tiers, key=lambda tier: tier.level, reverse=True)),
        usage_boundaries=tuple(boundaries),
        checklist=ChecklistSettings(
            comprehension_limit=int(
                checklist.get("comprehension_limit", DEFAULT_COMPREHENSION_LIMIT)
            ),
            assumption_limit=int(checklist.get("assumption_limit", DEFAULT_ASSUMPTION_LIMIT)),
            require_ai_declaration=bool(checklist.get("require_ai_declaration", False)),
        ),
        limits=LimitSettings(
            max_files=int(limits.get("max_files", DEFAULT_MAX_FILES)),
            max_file_bytes=int(limits.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
            scanner_seconds=int(limits.get("scanner_seconds", DEFAULT_SCANNER_SECONDS)),
        ),
        feedback=FeedbackSettings(
            noisy_precision=float(feedback.get("noisy_precision", DEFAULT_NOISY_PRECISION)),
            noisy_window=int(feedback.get("noisy_window", DEFAULT_NOISY_WINDOW)),
        ),
    )


def _tier_where(name: str, index: int | None) -> str:
    return f"tiers[{index}] ({name})" if index is not None else f"default tier {name}"


def _tier_build(raw: Mapping[str, Any], index: int | None, root: yaml.Node | None) -> Tier:
    where = _tier_where(raw["name"], index)
    line = _node_line(root, ["tiers", index]) if index is not None else None
    missing = [key for key in TIER_REQUIRED if key not in raw]
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
        min_catch_rate=(
            float(approvals["min_catch_rate"]) if "min_catch_rate" in approvals else None
        ),
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
        return f"'{display_text(value, 60)}'"
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
            return f"{prefix}unknown key '{display_text(extra[0], 60)}' (allowed: {allowed})"
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
    return f"{prefix}{display_text(error.message, 200)}"


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


def display_text(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """One bounded line; control, format (bidi) and separator characters are shown as escapes."""
    shown = "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char)[0] in "CZ" and char != " " else char
        for char in text[: limit * 2]
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
