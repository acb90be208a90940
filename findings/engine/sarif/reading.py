"""Read SARIF 2.1.0 from other scanners (CodeQL, Semgrep, Snyk, …) into `FindingData`.

Only the part of the format a finding needs is read, and each part is checked where it is read:
a malformed log raises `SarifError` with the JSON path of the first bad value
(`$.runs[0].results[3].locations[0].physicalLocation.region.startLine`), so nothing is imported
from a log that is wrong anywhere. The full OASIS schema is not applied: real tools emit logs
with extra or slightly-off properties that do not matter here (Snyk's `properties`, CodeQL's
`automationDetails`), and rejecting those would make the import useless.

Severity: `properties.security-severity` on the rule (CodeQL, Semgrep and Snyk set it, GitHub
ranks alerts by it) when present, otherwise the result's or rule's `level`. CWE: the first
`external/cwe/cwe-N` or `CWE-N` tag of the rule or result, or a `CWE` taxon relationship.
Paths are taken relative to the repository root (`file://`, `%SRCROOT%`-style bases and `./`
removed); a path that climbs out of the root (`../`) or is absolute is kept as written, so it
matches no changed file and is stored as outside the diff.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from findings.engine.scanners import FindingData

MAX_SARIF_BYTES = 20 * 1024 * 1024
MAX_RESULTS = 20_000
_CWE = re.compile(r"(?:^|/)cwe[-_/:]?0*(\d{1,5})\b", re.IGNORECASE)
_LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "info"}
_TEXT_LIMIT = 4000


class SarifError(ValueError):
    """A log that is not SARIF 2.1.0 as read here; `path` is the JSON path of the bad value."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path


@dataclass(frozen=True)
class ImportedResult:
    tool: str
    tool_version: str
    data: FindingData
    # The tool's own stable identity of the result, when it gives one.
    fingerprint: str
    revision_id: str  # versionControlProvenance[0].revisionId of its run, "" when absent


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SarifError(f"expected an object, found {_kind(value)}", path)
    return value


def _array(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SarifError(f"expected an array, found {_kind(value)}", path)
    return value


def _string(value: Any, path: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise SarifError(f"expected a string, found {_kind(value)}", path)
    return value


def _integer(value: Any, path: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SarifError(f"expected an integer, found {_kind(value)}", path)
    if value < minimum:
        raise SarifError(f"must be at least {minimum}, found {value}", path)
    return value


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _cut(text: str, limit: int = _TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _relative_path(uri: str) -> str:
    if uri.startswith("file://"):
        uri = urllib.parse.urlsplit(uri).path
    path = urllib.parse.unquote(uri).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _cwe_from(tags: Any) -> int | None:
    if not isinstance(tags, list):
        return None
    for tag in tags:
        if isinstance(tag, str) and (match := _CWE.search(tag)):
            return int(match[1])
    return None


def _security_severity(properties: Any) -> str | None:
    if not isinstance(properties, dict) or "security-severity" not in properties:
        return None
    try:
        score = float(properties["security-severity"])
    except (TypeError, ValueError):
        return None
    # GitHub code scanning's bands.
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _message(value: Any, path: str, rule: Mapping[str, Any]) -> str:
    if value is None:
        return ""
    message = _object(value, path)
    text = message.get("text")
    if text is None and "id" in message:
        # A message by reference: the rule's messageStrings (arguments are not substituted).
        strings = rule.get("messageStrings") or {}
        ref = strings.get(message["id"]) if isinstance(strings, dict) else None
        text = ref.get("text") if isinstance(ref, dict) else None
    if text is None:
        text = message.get("markdown", "")
    return _string(text, f"{path}.text")


class _Rules:
    """A run's rules: the driver's, and its extensions' (CodeQL files its query packs' rules
    there and points at them with `rule.toolComponent.index`); by index or by id."""

    def __init__(self, tool: Mapping[str, Any], path: str) -> None:
        self.components = [
            self._rules(_object(tool.get("driver"), f"{path}.driver"), f"{path}.driver")
        ]
        extensions = _array(tool.get("extensions", []), f"{path}.extensions")
        for i, extension in enumerate(extensions):
            where = f"{path}.extensions[{i}]"
            self.components.append(self._rules(_object(extension, where), where))
        self.by_id = {
            rule["id"]: rule
            for rules in reversed(self.components)
            for rule in rules
            if isinstance(rule.get("id"), str)
        }

    @staticmethod
    def _rules(component: Mapping[str, Any], path: str) -> list[Mapping[str, Any]]:
        raw = _array(component.get("rules", []), f"{path}.rules")
        return [_object(rule, f"{path}.rules[{i}]") for i, rule in enumerate(raw)]

    def find(self, result: Mapping[str, Any], path: str) -> Mapping[str, Any]:
        reference = result.get("rule")
        component, index, where = 0, None, f"{path}.ruleIndex"
        if isinstance(reference, dict):
            tool_component = reference.get("toolComponent")
            if isinstance(tool_component, dict) and "index" in tool_component:
                at = f"{path}.rule.toolComponent.index"
                component = _integer(tool_component["index"], at, minimum=0) + 1
                if component >= len(self.components):
                    raise SarifError(f"no tool extension at index {component - 1}", at)
            if "index" in reference:
                where = f"{path}.rule.index"
                index = _integer(reference["index"], where, minimum=0)
        if index is None and "ruleIndex" in result:
            index = _integer(result["ruleIndex"], where, minimum=0)
        if index is not None:
            rules = self.components[component]
            if index >= len(rules):
                raise SarifError(f"no rule at index {index}", where)
            return rules[index]
        rule_id = result.get("ruleId") or (reference or {}).get("id") or ""
        return self.by_id.get(rule_id, {}) if isinstance(rule_id, str) else {}


def _location(result: Mapping[str, Any], path: str) -> tuple[str, int, int]:
    locations = _array(result.get("locations", []), f"{path}.locations")
    if not locations:
        raise SarifError("a result needs a location to map onto the diff", f"{path}.locations")
    where = f"{path}.locations[0]"
    physical = _object(
        _object(locations[0], where).get("physicalLocation"), f"{where}.physicalLocation"
    )
    where += ".physicalLocation"
    artifact = _object(physical.get("artifactLocation"), f"{where}.artifactLocation")
    uri = _string(artifact.get("uri"), f"{where}.artifactLocation.uri")
    if not uri.strip() or "\x00" in uri:
        raise SarifError("an empty or NUL-bearing file name", f"{where}.artifactLocation.uri")
    region = _object(physical.get("region", {}), f"{where}.region")
    if "startLine" in region:
        line = _integer(region["startLine"], f"{where}.region.startLine", minimum=1)
    else:
        line = 1  # a file-level result
    end = region.get("endLine", line)
    end_line = _integer(end, f"{where}.region.endLine", minimum=1)
    if end_line < line:
        raise SarifError(f"ends before it starts (line {line})", f"{where}.region.endLine")
    return _relative_path(uri), line, end_line


def _snippet(result: Mapping[str, Any]) -> str:
    try:
        region = result["locations"][0]["physicalLocation"]["region"]
        text = region["snippet"]["text"]
    except (KeyError, IndexError, TypeError):
        return ""
    return text if isinstance(text, str) else ""


def _fingerprint(result: Mapping[str, Any]) -> str:
    for key in ("fingerprints", "partialFingerprints"):
        prints = result.get(key)
        if isinstance(prints, dict):
            for name in sorted(prints):
                if isinstance(prints[name], str) and prints[name]:
                    return f"{name}={prints[name]}"
    return ""


def _result(
    result_value: Any, path: str, *, tool: str, version: str, rules: _Rules, revision: str
) -> ImportedResult | None:
    result = _object(result_value, path)
    if result.get("suppressions"):
        return None  # the tool's own suppressions (in-source or accepted) stand
    if result.get("baselineState") == "absent":
        return None  # a result that is gone
    kind = result.get("kind", "fail")
    if kind not in ("fail", "open", "review", "pass", "notApplicable", "informational"):
        raise SarifError(f"unknown kind {kind!r}", f"{path}.kind")
    if kind in ("pass", "notApplicable"):
        return None
    rule = rules.find(result, path)
    rule_id = _string(result.get("ruleId") or rule.get("id") or "", f"{path}.ruleId")
    if not rule_id:
        raise SarifError("a result needs a ruleId or a ruleIndex", path)
    file_path, line, end_line = _location(result, path)
    level = _string(
        result.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning",
        f"{path}.level",
    )
    if level not in _LEVELS:
        raise SarifError(f"unknown level {level!r}", f"{path}.level")
    severity = _security_severity(result.get("properties")) or _security_severity(
        rule.get("properties")
    )
    tags = (rule.get("properties") or {}).get("tags") if isinstance(rule, dict) else None
    cwe = _cwe_from((result.get("properties") or {}).get("tags")) or _cwe_from(tags)
    if cwe is None:
        for relation in rule.get("relationships") or []:
            target = (relation or {}).get("target") or {}
            component = ((target.get("toolComponent") or {}).get("name") or "").upper()
            if component == "CWE" and isinstance(target.get("id"), str):
                cwe = _cwe_from([f"cwe-{target['id']}"])
                break
    title = ""
    for key in ("shortDescription", "fullDescription"):
        text = (rule.get(key) or {}).get("text") if isinstance(rule.get(key), dict) else None
        if isinstance(text, str) and text.strip():
            title = text.strip()
            break
    message = _message(result.get("message"), f"{path}.message", rule)
    help_value = rule.get("help")
    help_text = help_value.get("text") if isinstance(help_value, dict) else None
    data = FindingData(
        scanner_id=_cut(f"sarif:{tool}", 64),
        scanner_version=_cut(version, 32),
        rule_id=_cut(rule_id, 128),
        cwe=cwe,
        severity=severity or _LEVELS[level],
        confidence="medium",
        title=_cut(f"{tool}: {title or _first_line(message) or rule_id}", 300),
        message=_cut(message or title or rule_id),
        guidance=_cut(help_text if isinstance(help_text, str) else ""),
        path=file_path,
        line=line,
        end_line=end_line,
        code=_cut(_snippet(result), 2000),
    )
    return ImportedResult(
        tool=tool,
        tool_version=version,
        data=data,
        fingerprint=_fingerprint(result),
        revision_id=revision,
    )


def sarif_results(raw: bytes | str) -> list[ImportedResult]:
    """Every result of every run, or SarifError for the first malformed value."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_SARIF_BYTES:
        raise SarifError(f"the log is {size} bytes; the limit is {MAX_SARIF_BYTES}")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise SarifError(f"not JSON ({error})") from None
    log = _object(document, "$")
    version = log.get("version")
    if version != "2.1.0":
        raise SarifError(f"only SARIF 2.1.0 is read, found {version!r}", "$.version")
    imported: list[ImportedResult] = []
    for r, run_value in enumerate(_array(log.get("runs"), "$.runs")):
        where = f"$.runs[{r}]"
        run = _object(run_value, where)
        tool_object = _object(run.get("tool"), f"{where}.tool")
        driver = _object(tool_object.get("driver"), f"{where}.tool.driver")
        tool = _string(driver.get("name"), f"{where}.tool.driver.name").strip()
        if not tool:
            raise SarifError("the tool needs a name", f"{where}.tool.driver.name")
        tool_version = _string(
            driver.get("semanticVersion") or driver.get("version"),
            f"{where}.tool.driver.version",
            required=False,
        )
        rules = _Rules(tool_object, f"{where}.tool")
        revision = ""
        provenance = run.get("versionControlProvenance")
        if isinstance(provenance, list) and provenance and isinstance(provenance[0], dict):
            revision = _string(
                provenance[0].get("revisionId"),
                f"{where}.versionControlProvenance[0].revisionId",
                required=False,
            )
        results = _array(run.get("results", []), f"{where}.results")
        for i, result in enumerate(results):
            item = _result(
                result,
                f"{where}.results[{i}]",
                tool=_cut(tool, 50),
                version=tool_version,
                rules=rules,
                revision=revision,
            )
            if item is not None:
                imported.append(item)
            if len(imported) > MAX_RESULTS:
                raise SarifError(f"more than {MAX_RESULTS} results", f"{where}.results")
    return imported
