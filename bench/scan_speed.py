"""Scan speed: a 500-added-line PR through `manage.py scan`, and the engine beside bandit alone.

1. A synthetic pull request of new files taken whole from the corpus (`tests/corpus/<language>/
   .../after/`) of JavaScript, TypeScript, Java and Go, written as a real unified diff plus the
   checkout it applies to, scanned by `python manage.py scan --diff` in a fresh subprocess each
   time, in a bare environment (no Django settings, no database: manage.py hands the scan to the
   engine before Django): interpreter, imports and semgrep start-up are inside the wall time.
2. Whole-file throughput on one Python tree (the project's own `findings/`, `github_app/`,
   `reviewbench/` sources, migrations left out), in one process: bandit alone through
   `BanditScanner().scan`, then the whole engine (`analyze_snapshot` with every registered scanner
   that reads Python) over a snapshot where every file is new.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bench.harness import PYTHON, ROOT
from findings.engine.analysis import analyze_snapshot
from findings.engine.cli import snapshot_for
from findings.engine.languages import language_for_path
from findings.engine.scanners import SourceFile, registered_scanners
from findings.engine.scanners.bandit_scanner import BanditScanner
from findings.engine.snapshot import FileChange

PR_LANGUAGES = ("javascript", "typescript", "java", "go")
PR_TARGET_ADDED_LINES = 500
PR_GOAL_SECONDS = 3.0
# The whole engine (bandit included) at half of bandit alone's lines per second or better.
THROUGHPUT_GOAL = 0.5
CORPUS = ROOT / "tests" / "corpus"
PYTHON_TREE = ("findings", "github_app", "reviewbench")
SCAN_TIMEOUT_SECONDS = 120

T = TypeVar("T")


@dataclass(frozen=True)
class PrFile:
    path: str
    language: str
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n")


@dataclass(frozen=True)
class ScanRun:
    seconds: float
    findings: int
    files: int
    not_analysed: int


# --- 1. a 500-added-line PR through the command ----------------------------------------------


def _normalized(text: str) -> str:
    """LF line ends and a final newline, so the diff's `+` lines match the file byte for byte."""
    text = text.replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def _corpus_files(language: str) -> list[tuple[str, str]]:
    """(path inside the synthetic repository, text) of every `after/` source file of a language."""
    found: list[tuple[str, str]] = []
    for path in sorted((CORPUS / language).glob("*/*/after/**/*")):
        if not path.is_file() or language_for_path(path.name) != language:
            continue
        relative = path.relative_to(CORPUS / language)
        vuln_class, case, _after, *inside = relative.parts
        found.append(("/".join((vuln_class, case, *inside)), _normalized(path.read_text())))
    return found


def pr_files(target_added_lines: int = PR_TARGET_ADDED_LINES) -> list[PrFile]:
    """Whole corpus files, one language after another in turn, until the added lines reach the
    target; a language that runs out starts over under a new directory (`copy-2/`, ...)."""
    pools = {language: _corpus_files(language) for language in PR_LANGUAGES}
    empty = [language for language, files in pools.items() if not files]
    if empty:
        raise RuntimeError(f"no corpus files for {', '.join(empty)} under {CORPUS}")
    chosen: list[PrFile] = []
    added = 0
    turn = 0
    while added < target_added_lines:
        for language in PR_LANGUAGES:
            pool = pools[language]
            copy, index = divmod(turn, len(pool))
            inside, text = pool[index]
            prefix = f"services/{language}" + (f"/copy-{copy + 1}" if copy else "")
            chosen.append(PrFile(path=f"{prefix}/{inside}", language=language, text=text))
            added += chosen[-1].lines
            if added >= target_added_lines:
                break
        turn += 1
    return chosen


def unified_diff(files: Sequence[PrFile]) -> str:
    """`git diff` output that adds every file whole, as GitHub would show a PR of new files."""
    out: list[str] = []
    for file in files:
        out.append(f"diff --git a/{file.path} b/{file.path}\n")
        out.append("new file mode 100644\n")
        out.append("--- /dev/null\n")
        out.append(f"+++ b/{file.path}\n")
        out.append(f"@@ -0,0 +1,{file.lines} @@\n")
        out.extend(f"+{line}\n" for line in file.text.split("\n")[:-1])
    return "".join(out)


def write_pr(files: Sequence[PrFile], directory: Path) -> tuple[Path, Path]:
    """Write the checkout (`repo/`) and `pr.diff` under `directory`; return both paths."""
    repo = directory / "repo"
    for file in files:
        target = repo / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text, encoding="utf-8", newline="")
    diff = directory / "pr.diff"
    diff.write_text(unified_diff(files), encoding="utf-8", newline="")
    return diff, repo


def _scan_env(directory: Path) -> dict[str, str]:
    # What a newcomer's shell holds: no DJANGO_*, no DATABASE_URL; an empty data directory.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(directory)),
        "REVIEWBENCH_DATA_DIR": str(directory / "data"),
    }


def scan_once(diff: Path, repo: Path, env: dict[str, str]) -> ScanRun:
    """One `manage.py scan --diff` in a new process, timed from spawn to exit."""
    command = [
        PYTHON,
        "manage.py",
        "scan",
        "--diff",
        str(diff),
        "--root",
        str(repo),
        "--format",
        "json",
    ]
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - fixed argv, our own temp paths  # nosec B603
        command, cwd=ROOT, env=env, capture_output=True, timeout=SCAN_TIMEOUT_SECONDS, check=False
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"manage.py scan exited {completed.returncode}: {completed.stderr.decode()[-2000:]}"
        )
    summary = json.loads(completed.stdout)["summary"]
    return ScanRun(
        seconds=seconds,
        findings=int(summary["findings"]),
        files=int(summary["files"]),
        not_analysed=int(summary["not_analysed"]),
    )


def run_pr_scan(runs: int = 5) -> None:
    files = pr_files()
    added = sum(file.lines for file in files)
    per_language = {
        language: sum(1 for file in files if file.language == language) for language in PR_LANGUAGES
    }
    with tempfile.TemporaryDirectory(prefix="reviewbench-bench-scan-") as tmp:
        directory = Path(tmp)
        diff, repo = write_pr(files, directory)
        env = _scan_env(directory)
        (directory / "data").mkdir()
        cold = scan_once(diff, repo, env)
        timed = [scan_once(diff, repo, env) for _ in range(runs)]
    for result in (cold, *timed):
        if result.files != len(files) or result.not_analysed:
            raise RuntimeError(
                f"the scan read {result.files} of {len(files)} files, "
                f"{result.not_analysed} not analysed: the figure would not measure a full scan"
            )
        if result.findings != cold.findings:
            raise RuntimeError(f"findings changed between runs: {cold.findings} then {result}")
    seconds = [result.seconds for result in timed]
    median = statistics.median(seconds)
    mix = ", ".join(f"{count} {language}" for language, count in per_language.items())
    print(
        "scan a PR of new files: `python manage.py scan --diff PR.diff --root DIR --format json` "
        "as a subprocess (start-up included)"
    )
    print(
        f"  {len(files)} files ({mix}) from tests/corpus/*/after/, {added} added lines, "
        f"{cold.findings} findings"
    )
    print(
        f"  {runs} runs: min {min(seconds):.2f} s   median {median:.2f} s   "
        f"max {max(seconds):.2f} s   (a first, cold run, not counted: {cold.seconds:.2f} s)"
    )
    verdict = "met" if median <= PR_GOAL_SECONDS else "NOT met"
    print(f"  goal <= {PR_GOAL_SECONDS:.0f} s wall (median): {verdict}")


# --- 2. whole-file throughput: engine beside bandit alone ------------------------------------


def python_tree() -> list[tuple[str, str]]:
    """(path, text) of the project's own Python sources, migrations left out."""
    found: list[tuple[str, str]] = []
    for top in PYTHON_TREE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            found.append((path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")))
    return found


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def _best_of(repeat: int, action: Callable[[], T]) -> tuple[float, T]:
    timings: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def run_throughput(repeat: int = 3) -> None:
    tree = python_tree()
    lines = sum(_line_count(text) for _, text in tree)
    sources = [
        SourceFile(
            path=path,
            language="python",
            text=text,
            added_lines=frozenset(range(1, _line_count(text) + 1)),
        )
        for path, text in tree
    ]
    # No patch: analyze_snapshot diffs each new file against nothing, as for GitHub's big files,
    # so diff parsing is inside the engine's figure too.
    changes = [
        FileChange(path=path, status="added", patch=None, content=text) for path, text in tree
    ]
    snapshot = snapshot_for(changes)
    python_scanners = [scanner for scanner in registered_scanners() if scanner.handles("python")]
    bandit = BanditScanner()

    # Warm-up: imports, bandit's config and plugin loading, detect-secrets' plugins.
    bandit.scan(sources[:5])
    analyze_snapshot(snapshot_for(changes[:5]), scanners=python_scanners)

    bandit_seconds, bandit_outcome = _best_of(repeat, lambda: bandit.scan(sources))
    engine_seconds, engine_result = _best_of(
        repeat, lambda: analyze_snapshot(snapshot, scanners=python_scanners)
    )
    if bandit_outcome.failures or engine_result.failures:
        raise RuntimeError(
            f"files not analysed: bandit {len(bandit_outcome.failures)}, "
            f"engine {len(engine_result.failures)}; the figures would not compare whole trees"
        )
    bandit_rate = lines / bandit_seconds
    engine_rate = lines / engine_seconds
    names = " + ".join(scanner.id for scanner in python_scanners)
    print(
        f"whole-file throughput, one process, best of {repeat} after a warm-up: "
        f"{len(tree)} Python files, {lines} lines ({', '.join(t + '/' for t in PYTHON_TREE)} "
        "without migrations)"
    )
    print(
        f"  bandit alone (BanditScanner.scan): {bandit_seconds:.2f} s, "
        f"{bandit_rate:,.0f} lines/s, {len(bandit_outcome.findings)} findings"
    )
    print(
        f"  engine (analyze_snapshot, {names}, every line added): {engine_seconds:.2f} s, "
        f"{engine_rate:,.0f} lines/s, {len(engine_result.findings)} findings"
    )
    ratio = engine_rate / bandit_rate
    verdict = "met" if ratio >= THROUGHPUT_GOAL else "NOT met"
    print(f"  engine {ratio:.2f}x bandit's throughput   goal >= {THROUGHPUT_GOAL}x: {verdict}")


def run(runs: int = 5, repeat: int = 3) -> None:
    """Both scan-speed sections, a blank line between them."""
    run_pr_scan(runs=runs)
    print()
    run_throughput(repeat=repeat)


if __name__ == "__main__":
    run()
