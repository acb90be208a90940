"""Large pull requests (issue 15): cost that grows with what changed, not with the PR's size.

1. A 1,000-file AI-written local PR (20,000 added lines, no findings) through the `review_local`
   command, then a push that changes one of its files: the time of each analysis, one after the
   other in one process as a worker runs them (Django's start-up, about 1 s, is not counted), on
   PostgreSQL.
2. A 500-file PR through the GitHub double and the embedded stack `make run` starts
   (scripts/run-local: SQLite, the filesystem broker, the embedded worker): GitHub REST requests,
   git smart-HTTP requests and seconds from the webhook to the completed check run.
3. The same stack on a 3,000-file PR (GitHub's most): the worker's peak resident memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.faults import FULL_NAME as DEMO_FULL_NAME
from bench.faults import (
    _embedded_workers,
    _opened,
    _post,
    _process,
    _runs_by_head,
    _stack_env,
    _wait_for,
)
from bench.harness import (
    PYTHON,
    ROOT,
    bench_env,
    free_port,
    reset_database,
    signed_headers,
    wait_http,
)
from tests.github_double import GitHubDouble

FULL_NAME = "acme/generated"
INSTALLATION_ID = 778
LOCAL_FILES, LOCAL_LINES = 1000, 20
LOCAL_GOAL_SECONDS = 8.0
PUSH_GOAL_SHARE = 0.10
REMOTE_FILES = 500
REMOTE_GOAL_REQUESTS = 30
REMOTE_GOAL_SECONDS = 15.0
MEMORY_FILES = 3000
MEMORY_GOAL_MB = 1024
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(  # noqa: S603  # nosec B603 B607
        ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH, as make run uses it
        env=GIT_ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _module(index: int, lines: int, version: int = 0) -> str:
    """A plain generated client module: `lines` lines, nothing a scanner should report."""
    text = [f'"""Generated client {index} (v{version})."""', ""]
    n = 0
    while len(text) + 2 <= lines:
        text += [f"def total_{index}_{n}(values):", f"    return sum(values) + {n + version}"]
        n += 1
    text += [""] * (lines - len(text))
    return "\n".join(text) + "\n"


def generated_repository(path: Path, files: int, lines: int) -> tuple[str, str]:
    """main with a README; `feature` adds `files` modules of `lines` lines in one AI commit.
    Returns (base, head) commit ids."""
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# generated\n")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "Initial commit")
    base = _git(path, "rev-parse", "HEAD")
    _git(path, "checkout", "-q", "-b", "feature")
    for index in range(files):
        package = path / "clients" / f"group_{index // 100:02d}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"client_{index:04d}.py").write_text(_module(index, lines))
    _git(path, "add", "-A")
    message = "Add generated API clients\n\nCo-authored-by: Copilot <copilot@github.com>"
    _git(path, "commit", "-q", "-m", message)
    return base, _git(path, "rev-parse", "HEAD")


_WARM_RUN = """
import json, sys, time
import django
django.setup()
from django.core.management import call_command
timings = []
for head in sys.argv[2:]:
    started = time.perf_counter()
    call_command("review_local", repo=sys.argv[1], base="main", head=head,
                 name="acme/generated", number=1, verbosity=0)
    timings.append(time.perf_counter() - started)
print(json.dumps(timings))
"""


def _review_local_warm(repo: Path, env: dict[str, str], heads: list[str]) -> list[float]:
    """`review_local` for each head in turn in one process (Django started once, as in a worker
    that runs analyses one after another): the seconds each analysis took."""
    completed = subprocess.run(  # noqa: S603  # nosec B603
        [PYTHON, "-c", _WARM_RUN, str(repo), *heads],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "reviewbench.settings"},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return [float(value) for value in json.loads(completed.stdout.strip().splitlines()[-1])]


def run_local(files: int = LOCAL_FILES, lines: int = LOCAL_LINES) -> bool:
    env = bench_env()
    reset_database(env)
    with tempfile.TemporaryDirectory(prefix="reviewbench-bench-") as tmp:
        repo = Path(tmp) / "generated"
        _base, first_head = generated_repository(repo, files, lines)
        touched = repo / "clients" / "group_00" / "client_0000.py"
        touched.write_text(_module(0, lines, version=1))
        _git(repo, "commit", "-q", "-am", "Regenerate client 0")
        pushed_head = _git(repo, "rev-parse", "HEAD")
        first, push = _review_local_warm(repo, env, [first_head, pushed_head])
    share = push / first
    ok = first <= LOCAL_GOAL_SECONDS and share <= PUSH_GOAL_SHARE
    print(f"Large PRs, local: {files} files, {files * lines:,} added lines, review_local")
    print(f"  first analysis: {first:.1f} s (goal <= {LOCAL_GOAL_SECONDS:.0f} s)")
    print(
        f"  one-file push after it: {push:.2f} s = {share:.0%} of the first "
        f"(goal <= {PUSH_GOAL_SHARE:.0%})"
    )
    return ok


def _peak_memory_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among `pids`, in MB."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def _through_make_run(files: int, *, timeout: float = 600.0) -> tuple[int, int, float, float]:
    """A `files`-file PR through scripts/run-local (what `make run` starts) and the GitHub double:
    (REST requests, git requests, seconds from the webhook to the completed check run, the
    embedded worker's peak memory in MB)."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-bench-") as tmp, GitHubDouble() as double:
        root = Path(tmp)
        repo = root / "generated"
        generated_repository(repo, files, LOCAL_LINES)
        double.add_repository(DEMO_FULL_NAME)
        loaded = double.load_from_git(repo, DEMO_FULL_NAME, 1, "main", "feature", title="Clients")
        head = loaded["head"]["sha"]
        data_dir = root / "data"
        data_dir.mkdir()
        env = _stack_env("embedded", data_dir, double)
        port = free_port()
        env["PORT"] = str(port)
        log = ROOT / "var" / "bench" / f"large-pr-{files}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with _process(["scripts/run-local"], env, log):
            wait_http(port, log, timeout=300)
            time.sleep(3)  # the demo's own analyses finish before the measured one starts
            double.requests.clear()
            body = _opened(double, 1)
            started = time.monotonic()
            status = _post(port, body, signed_headers(body, "pull_request", f"large-{files}"))
            if status != 202:
                raise RuntimeError(f"the webhook answered {status}; see {log}")
            worker = _wait_for(lambda: _embedded_workers(data_dir / "worker.log"), 60)
            done = _wait_for(
                lambda: [r for r in _runs_by_head(double).get(head, ())
                         if r.get("status") == "completed"], timeout,
            )  # fmt: skip
            seconds = time.monotonic() - started
            if not done:
                raise RuntimeError(f"no completed check run in {timeout:.0f} s; see {log}")
            memory = _peak_memory_mb(worker)
            rest = len(double.api_requests())
            git = len(double.git_requests())
    return rest, git, seconds, memory


def run_remote(files: int = REMOTE_FILES) -> bool:
    rest, git, seconds, _memory = _through_make_run(files)
    print(f"Large PRs, through GitHub: a {files}-file PR through make run and the GitHub double")
    print(f"  GitHub API requests: {rest} (goal <= {REMOTE_GOAL_REQUESTS}); git smart-HTTP: {git}")
    print(f"  webhook to completed check: {seconds:.1f} s (goal <= {REMOTE_GOAL_SECONDS:.0f} s)")
    return rest <= REMOTE_GOAL_REQUESTS and seconds <= REMOTE_GOAL_SECONDS


def run_memory(files: int = MEMORY_FILES) -> bool:
    rest, git, seconds, memory = _through_make_run(files)
    print(f"Large PRs, memory: a {files}-file PR through make run ({seconds:.1f} s, "
          f"{rest} API and {git} git requests)")  # fmt: skip
    print(f"  embedded worker's peak resident memory: {memory:.0f} MB (goal < {MEMORY_GOAL_MB} MB)")
    return 0 < memory < MEMORY_GOAL_MB


def run(local: bool = True, remote: bool = True) -> bool:
    ok = True
    if local:
        ok &= run_local()
    if remote:
        ok &= run_remote()
        ok &= run_memory()
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
