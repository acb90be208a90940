"""Semgrep over JavaScript/TypeScript, Java and Go with ReviewBench's own ruleset, fully offline.

Why the engine is called the way it is: the `semgrep` console script is a Python wrapper that
hands `scan` over to the slower Python front end (about 3 s of start-up on this machine). The
bundled engine binary, `semgrep-core`, is run directly instead, in about 0.2 s a batch, on a list
of targets this module writes (each file with its language), so one run per revision fits the 3 s
budget. It is also the one way to learn where a taint finding's data came from: the engine's own
JSON carries each result's `dataflow_trace` (the source, the variables it passed through, the
sink), which no front end of this version writes in JSON or SARIF. Nothing the front ends add is
wanted here: no registry (the ruleset is a local file), no `.semgrepignore`, no `nosemgrep` (a
comment written by the PR's author must not hide its own finding), no metrics.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from findings.engine.cwe_classes import class_of_cwe
from findings.engine.languages import language_for_path
from findings.engine.scanners import (
    FileFailure,
    FindingData,
    FlowStep,
    Scanner,
    ScanOutcome,
    SourceFile,
    register,
)
from findings.engine.scanners.secrets_scanner import demote_in_tests
from findings.engine.summaries import java as java_summaries
from findings.engine.summaries import java_constants
from findings.engine.summaries.java import SAFE_WRAPPER
from findings.engine.testpaths import is_test_or_example_path

logger = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# The YAML loader: libyaml's when PyYAML was built with it (a tenth of the time), else Python's.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Whole-run ceiling: a wedged engine must not hold a worker forever.
RUN_TIMEOUT_SECONDS = 120
# Per-rule, per-file ceiling inside semgrep.
RULE_TIMEOUT_SECONDS = 5
MAX_TARGET_BYTES = 2_000_000
_MAX_CODE_CHARS = 1000
_MAX_MESSAGE_CHARS = 2000
_MAX_REASON_CHARS = 500

# The extension the engine needs to pick a parser; anything else is never written to disk.
_EXTENSION_FOR_LANGUAGE = {
    "javascript": ".js",
    "typescript": ".ts",
    "java": ".java",
    "go": ".go",
}
# Keep .jsx/.tsx/.mjs... when the PR's name says so: JSX only parses under a JSX-aware extension.
_KNOWN_EXTENSIONS = frozenset(
    {".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".java", ".go"}
)

_SEVERITY = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "info": "info",
}
_SEMGREP_SEVERITY = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
_CONFIDENCE = {"high": "high", "medium": "medium", "low": "low"}
_CWE_NUMBER = re.compile(r"CWE-(\d{1,5})")


def semgrep_core_path() -> str | None:
    """Where the semgrep engine binary bundled with the `semgrep` package lives, if installed."""
    override = os.environ.get("REVIEWBENCH_SEMGREP_CORE")
    if override:
        return override
    spec = importlib.util.find_spec("semgrep")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "semgrep-core"
        if candidate.is_file():
            return str(candidate)
    return None


def write_targets(directory: str, targets: str, names: Sequence[str]) -> Path:
    """The engine's target list under `directory`: each generated file of `targets` with the
    analyzer its extension names, in the engine's own JSON form. Files over MAX_TARGET_BYTES are
    left out (they come back as not analysed, never as a silent pass)."""
    entries = []
    for name in names:
        full = os.path.join(targets, name)
        # the engine's analyzer is the language the generated name's extension says
        analyzer = language_for_path(name)
        if analyzer not in SemgrepScanner.languages or os.path.getsize(full) > MAX_TARGET_BYTES:
            continue
        entries.append(
            [
                "CodeTarget",
                {
                    "path": {"fpath": full, "ppath": "/" + name},
                    "analyzer": analyzer,
                    "products": ["sast"],
                },
            ]
        )
    path = Path(directory) / "targets.json"
    path.write_text(json.dumps(["Targets", entries]), encoding="utf-8")
    return path


def safe_name(position: int, source: SourceFile) -> str:
    """A generated file name for the temp dir: a counter plus an extension from a fixed table."""
    suffix = Path(source.path.replace("\\", "/")).suffix.lower()
    if suffix not in _KNOWN_EXTENSIONS:
        suffix = _EXTENSION_FOR_LANGUAGE.get(source.language or "", ".txt")
    return f"f{position:06d}{suffix}"


def _cwe(metadata: dict[str, Any]) -> int | None:
    raw = metadata.get("cwe")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if isinstance(raw, int):
        return raw
    match = _CWE_NUMBER.search(str(raw or ""))
    return int(match.group(1)) if match else None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rules_config(rules_dir: Path, directory: str) -> Path:
    """The rule files of `rules_dir` as one semgrep config under `directory`, in JSON.

    The rule files share their source, sanitizer and propagator lists through YAML anchors
    (`&java-request-sources`, then `*java-request-sources`), written once instead of once per
    rule. The engine's own YAML reader does not resolve aliases, so PyYAML reads the files and
    the engine gets the plain result; keys beside `rules` (the anchors' home) are left out."""
    path = Path(directory) / "rules.json"
    stamp = tuple(
        (item.name, item.stat().st_mtime_ns, item.stat().st_size)
        for item in sorted(rules_dir.glob("*.yaml"))
    )
    path.write_text(_rules_json(rules_dir, stamp), encoding="utf-8")
    return path


@functools.cache
def _rules_json(rules_dir: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    """The merged rules of `rules_dir` (`stamp` keys the cache on the files' times and sizes)."""
    rules: list[Any] = []
    for name, _mtime, _size in stamp:
        document = yaml.load((rules_dir / name).read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506  # nosec B506 - a safe loader
        rules.extend((document or {}).get("rules") or [])
    return json.dumps({"rules": rules})


@register
class SemgrepScanner(Scanner):
    """The semgrep ruleset of findings/engine/rules/ over JS/TS, Java and Go, one run a batch."""

    id = "semgrep"
    version = "1.185.0-core-1"
    languages = frozenset({"javascript", "typescript", "java", "go"})

    # Tests point these elsewhere (a missing binary, a ruleset of their own).
    core_path: str | None = None
    rules_dir: Path = RULES_DIR

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Write the batch under generated names, run semgrep once, map results back to PR paths."""
        if not files:
            return ScanOutcome()
        core = self.core_path or semgrep_core_path()
        if core is None or not os.path.isfile(core):
            return self._all_failed(files, "semgrep is not installed; this file was not analysed")
        with tempfile.TemporaryDirectory(prefix="reviewbench-semgrep-") as directory:
            targets = os.path.join(directory, "t")
            home = os.path.join(directory, "home")
            os.mkdir(targets)
            os.mkdir(home)
            by_name: dict[str, SourceFile] = {}
            for position, source in enumerate(files):
                name = safe_name(position, source)
                text = source.text
                if source.language == "java" and SAFE_WRAPPER not in text:
                    # Values the method's constants prove clean (java_constants), wrapped.
                    text = java_constants.fold(text) or text
                with open(
                    os.path.join(targets, name), "w", encoding="utf-8", errors="replace", newline=""
                ) as handle:
                    handle.write(text)
                by_name[name] = source
            self._mark_clean_helpers(core, targets, home, by_name)
            report = self._run(core, targets, home, sorted(by_name))
            if isinstance(report, str):
                return self._all_failed(files, report)
            return self._outcome(report, by_name)

    def _mark_clean_helpers(
        self, core: str, targets: str, home: str, by_name: dict[str, SourceFile]
    ) -> None:
        """Wrap calls to the Java files' own helpers that cannot return input (java_summaries).

        When the summary run fails, nothing is wrapped: the rules then see every helper call as
        tainted, as semgrep alone would."""
        parsed = {}
        for name, source in by_name.items():
            if source.language == "java" and SAFE_WRAPPER not in source.text:
                # The text written for semgrep, with java_constants' folds in it.
                with open(
                    os.path.join(targets, name), encoding="utf-8", errors="replace", newline=""
                ) as handle:
                    found = java_summaries.read(handle.read())
                if found is not None:
                    parsed[name] = found
        if not parsed:
            return
        rules = java_summaries.write_summary_rules(home)
        summary = self._run(core, targets, home, sorted(parsed), config=rules)
        if isinstance(summary, str):
            logger.warning("findings.semgrep.summary_failed", extra={"reason": summary})
            return
        returns: dict[str, set[int]] = {name: set() for name in parsed}
        unescaped: dict[str, set[int]] = {name: set() for name in parsed}
        for result in summary.get("results") or []:
            name = os.path.basename(str(result.get("path") or ""))
            if name in returns:
                rule = str(result.get("check_id") or "").rsplit(".", 1)[-1]
                lines = unescaped if rule == java_summaries.UNESCAPED_RULE else returns
                lines[name].add(int((result.get("start") or {}).get("line") or 0))
        for name, found in parsed.items():
            text = java_summaries.rewrite(
                found,
                java_summaries.clean_methods(found, returns[name]),
                frozenset(java_summaries.clean_methods(found, unescaped[name])),
            )
            if text is not None:
                with open(
                    os.path.join(targets, name), "w", encoding="utf-8", errors="replace", newline=""
                ) as handle:
                    handle.write(text)

    def _run(
        self,
        core: str,
        targets: str,
        home: str,
        names: list[str],
        *,
        config: Path | None = None,
    ) -> dict[str, Any] | str:
        """The parsed JSON report, or a readable reason why semgrep produced none. `config` is
        a config of its own (the summary run); without it, the rules of `rules_dir`."""
        if config is None:
            try:
                config = rules_config(self.rules_dir, home)
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                reason = " ".join(str(exc).split())[:_MAX_REASON_CHARS]
                return f"the semgrep rules could not be read ({reason}); this file was not analysed"
        command = [
            "semgrep-core",
            "-json_nodots",  # JSON only on stdout (-json adds a progress dot per file)
            "-rules",
            str(config),
            "-targets",
            str(write_targets(home, targets, names)),
            "-timeout",
            str(RULE_TIMEOUT_SECONDS),
            "-j",
            "1",
        ]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "XDG_CACHE_HOME": home,
            "SEMGREP_SETTINGS_FILE": os.path.join(home, "settings.yml"),
            "SEMGREP_LOG_FILE": os.path.join(home, "semgrep.log"),
            "SEMGREP_USER_LOG_FILE": os.path.join(home, "semgrep.log"),
            "SEMGREP_VERSION_CACHE_PATH": os.path.join(home, "version"),
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SEND_METRICS": "off",
            "NO_COLOR": "1",
        }
        try:
            completed = subprocess.run(  # noqa: S603 - fixed argv, generated file names only  # nosec B603
                command,
                executable=core,
                cwd=targets,
                env=environment,
                capture_output=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            return "semgrep is not installed; this file was not analysed"
        except subprocess.TimeoutExpired:
            logger.warning("findings.semgrep.timeout", extra={"files": len(names)})
            return (
                f"semgrep did not finish within {RUN_TIMEOUT_SECONDS} s; this file was not analysed"
            )
        except OSError as exc:
            return (
                f"semgrep could not be started ({type(exc).__name__}); this file was not analysed"
            )
        try:
            report = json.loads(completed.stdout or b"")
        except ValueError:
            report = None
        if not isinstance(report, dict) or not isinstance(report.get("results"), list):
            logger.warning(
                "findings.semgrep.crashed",
                extra={"returncode": completed.returncode, "files": len(names)},
            )
            return f"semgrep failed (exit code {completed.returncode}); this file was not analysed"
        return report

    def _outcome(self, report: dict[str, Any], by_name: dict[str, SourceFile]) -> ScanOutcome:
        failures: dict[str, FileFailure] = {}
        for error in report.get("errors") or []:
            if not isinstance(error, dict):
                continue
            # the engine's form: {"error_type": [kind, spans], "location": {"path": ...}}
            found = error.get("location")
            location: dict[str, Any] = found if isinstance(found, dict) else {}
            where = error.get("path") or location.get("path") or ""
            source = by_name.get(os.path.basename(str(where)))
            if source is None:
                continue
            kind = error.get("type") or error.get("error_type")
            if isinstance(kind, list) and kind:
                if len(kind) > 1 and isinstance(kind[1], list) and "spans" not in error:
                    error = {**error, "spans": kind[1]}
                kind = kind[0]
            elif location and "spans" not in error:
                error = {**error, "spans": [location]}
            failures.setdefault(
                source.path,
                FileFailure(
                    path=source.path,
                    scanner_id=self.id,
                    reason=_bounded(self._reason(str(kind or "error"), error), _MAX_REASON_CHARS),
                ),
            )
        scanned = {
            os.path.basename(str(path)) for path in (report.get("paths") or {}).get("scanned", [])
        }
        for name, source in by_name.items():
            if name not in scanned and source.path not in failures:
                # Too large, or not recognised: never a silent pass.
                failures[source.path] = FileFailure(
                    path=source.path,
                    scanner_id=self.id,
                    reason="semgrep skipped this file (too large or not parsable as "
                    f"{source.language}); it was not analysed",
                )
        findings: list[FindingData] = []
        seen: set[tuple[str, str, int]] = set()
        for result in report.get("results") or []:
            source = by_name.get(os.path.basename(str(result.get("path") or "")))
            if source is None:
                continue
            finding = self._finding(result, source)
            key = (finding.rule_id, finding.path, finding.line)
            if key in seen:
                continue
            seen.add(key)
            findings.append(finding)
        findings = _most_confident(findings)
        findings.sort(key=lambda finding: (finding.path, finding.line, finding.rule_id))
        return ScanOutcome(findings=tuple(findings), failures=tuple(failures.values()))

    @staticmethod
    def _reason(kind: str, error: dict[str, Any]) -> str:
        spans = error.get("spans") or []
        line = None
        if spans and isinstance(spans[0], dict):
            line = (spans[0].get("start") or {}).get("line")
        where = f" at line {line}" if line else ""
        if kind in ("PartialParsing", "Syntax error", "ParseError", "LexicalError"):
            return f"syntax error{where}: semgrep could not parse this file completely"
        if kind == "Timeout":
            rule = str(error.get("rule_id") or "a rule")
            return f"semgrep timed out on this file ({rule}); it was not fully analysed"
        return f"semgrep reported {kind}{where}; this file was not fully analysed"

    def _finding(self, result: dict[str, Any], source: SourceFile) -> FindingData:
        extra = result.get("extra") or {}
        metadata = extra.get("metadata") or {}
        check_id = str(result.get("check_id") or "unknown")
        # semgrep prefixes the rule id with the rules' directory; the id is the last part.
        rule = check_id.rsplit(".", 1)[-1]
        line = max(int((result.get("start") or {}).get("line") or 1), 1)
        end_line = max(int((result.get("end") or {}).get("line") or line), line)
        lines = source.text.split("\n")
        code = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
        severity = _SEVERITY.get(str(metadata.get("severity", "")).lower()) or (
            _SEMGREP_SEVERITY.get(str(extra.get("severity", "")).upper(), "medium")
        )
        finding = FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            rule_id=f"semgrep.{rule}",
            cwe=_cwe(metadata),
            severity=severity,
            confidence=_CONFIDENCE.get(str(metadata.get("confidence", "")).lower(), "medium"),
            title=_bounded(str(metadata.get("title") or rule), 200),
            message=_bounded(str(extra.get("message") or rule), _MAX_MESSAGE_CHARS),
            guidance=_bounded(str(metadata.get("guidance") or ""), _MAX_MESSAGE_CHARS),
            path=source.path,
            line=line,
            end_line=end_line,
            code=code[:_MAX_CODE_CHARS],
            **_flow(extra.get("dataflow_trace"), source.path, line, code),
        )
        if class_of_cwe(finding.cwe or 0) == "hardcoded-credentials" and is_test_or_example_path(
            source.path
        ):
            # A credential in a test or an example is a sample: low, never blocking.
            return demote_in_tests(finding)
        return finding

    def _all_failed(self, files: Sequence[SourceFile], reason: str) -> ScanOutcome:
        return ScanOutcome(
            failures=tuple(
                FileFailure(path=source.path, scanner_id=self.id, reason=reason) for source in files
            )
        )


_MAX_FLOW_STEPS = 8


def _trace_location(value: Any) -> tuple[int, str] | None:
    """(line, code) of a trace's source or sink: `["CliLoc", [location, code]]`, or a call's
    `["CliCall", [[location, code], variables, inner trace]]`, whose first part is the call."""
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], list):
        return None
    kind, data = value
    if kind == "CliCall" and data and isinstance(data[0], list):
        data = data[0]
    if len(data) < 2 or not isinstance(data[0], dict):
        return None
    line = (data[0].get("start") or {}).get("line")
    return (line, str(data[1])) if isinstance(line, int) and line > 0 else None


def _flow(trace: Any, path: str, sink_line: int, sink_code: str) -> dict[str, Any]:
    """`source_line` and `flow` of a taint result from the engine's `dataflow_trace`: the
    source (the engine's text of it), each variable it passed through, the sink (its line's
    code: the engine's sink text is only the tainted argument, cut where its range ends).
    Nothing for a pattern rule's result."""
    if not isinstance(trace, dict):
        return {}
    source = _trace_location(trace.get("taint_source"))
    if source is None:
        return {}
    steps = [FlowStep(path, source[0], f"source: {_bounded(source[1], 60)}")]
    for variable in trace.get("intermediate_vars") or []:
        if not isinstance(variable, dict):
            continue
        line = ((variable.get("location") or {}).get("start") or {}).get("line")
        if isinstance(line, int) and line > 0 and len(steps) < _MAX_FLOW_STEPS - 1:
            steps.append(
                FlowStep(
                    path, line, f"through `{_bounded(str(variable.get('content') or ''), 60)}`"
                )
            )
    sink = " ".join(sink_code.split())
    steps.append(FlowStep(path, sink_line, f"sink: {_bounded(sink, 60)}"))
    return {"source_line": source[0], "flow": tuple(steps)}


_CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}


def _most_confident(findings: list[FindingData]) -> list[FindingData]:
    """One flaw reported by two rules on one line (the request-data rule and the low-confidence
    parameter rule on the same query): only the most confident of them is kept."""
    best: dict[tuple[str, int, int | None], int] = {}
    for finding in findings:
        key = (finding.path, finding.line, finding.cwe)
        best[key] = max(best.get(key, -1), _CONFIDENCE_RANK.get(finding.confidence, 0))
    return [
        finding
        for finding in findings
        if _CONFIDENCE_RANK.get(finding.confidence, 0)
        == best[(finding.path, finding.line, finding.cwe)]
    ]
