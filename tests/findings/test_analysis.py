"""The pure analysis core: not-analysed reasons, diff-aware findings, fingerprints, the cache."""

from __future__ import annotations

from findings.engine.analysis import analyze_snapshot, cache_version, finding_fingerprint
from findings.engine.scanners import FindingData, Scanner, ScanOutcome
from findings.engine.scanners.bandit_scanner import BanditScanner
from findings.engine.snapshot import FileChange
from tests.findings.conftest import file_change, snapshot

VULNERABLE_OLD = "import subprocess\n\n\ndef run(cmd):\n    return cmd\n"
VULNERABLE_NEW = (
    "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n    return cmd\n"
)


class DictCache:
    def __init__(self):
        self.rows = {}
        self.gets = []

    def get_many(self, scanner_id, version, keys):
        self.gets.extend((scanner_id, version, sha, language) for sha, language in keys)
        found = {}
        for sha, language in keys:
            if (scanner_id, version, sha, language) in self.rows:
                found[(sha, language)] = self.rows[(scanner_id, version, sha, language)]
        return found

    def put_many(self, scanner_id, version, rows):
        for sha, language, results in rows:
            self.rows[(scanner_id, version, sha, language)] = results

    def put(self, scanner_id, version, blob_sha, language, results):
        self.put_many(scanner_id, version, [(blob_sha, language, results)])


class ExplodingScanner(Scanner):
    """Crashes on any file whose text mentions 'boom'."""

    id = "exploding"
    version = "1"
    languages = frozenset({"python"})

    def scan(self, files):
        for source in files:
            if "boom" in source.text:
                raise RuntimeError("scanner bug")
        return ScanOutcome()


def test_vulnerable_added_line_is_reported_with_fingerprint():
    # given
    change = file_change("app/run.py", VULNERABLE_OLD, VULNERABLE_NEW)

    # when
    result = analyze_snapshot(snapshot(change), scanners=[BanditScanner()])

    # then only the added shell call is reported; the untouched import (B404) is not
    assert [(f.data.rule_id, f.data.line) for f in result.findings] == [("bandit.B602", 5)]
    (finding,) = result.findings
    assert finding.fingerprint == finding_fingerprint(
        rule_id="bandit.B602", path="app/run.py", code="subprocess.call(cmd, shell=True)"
    )
    (file,) = result.files
    assert (file.analysis, file.analysis_note, file.language) == ("analysed", "", "python")
    assert (file.additions, file.deletions) == (1, 0)
    assert file.added_lines == frozenset({5})


def test_the_same_flaw_on_an_unchanged_context_line_is_not_reported():
    # given the shell call already existed; the PR only edits the line after it
    old = "import subprocess\nsubprocess.call(x, shell=True)\ny = 1\n"
    new = "import subprocess\nsubprocess.call(x, shell=True)\ny = 2\n"

    # when
    result = analyze_snapshot(
        snapshot(file_change("app/run.py", old, new)), scanners=[BanditScanner()]
    )

    # then
    assert result.findings == ()
    assert result.files[0].analysis == "analysed"


def test_fingerprint_is_stable_when_the_flagged_line_moves():
    # given the same flaw, at line 5 in one push and at line 9, re-indented, in the next
    first = analyze_snapshot(
        snapshot(file_change("app/run.py", VULNERABLE_OLD, VULNERABLE_NEW)),
        scanners=[BanditScanner()],
    )
    moved_new = (
        "import subprocess\n\n\n# a\n# b\n# c\n# d\ndef run(cmd):\n"
        "    if cmd:\n        subprocess.call(cmd,   shell=True)\n    return cmd\n"
    )
    second = analyze_snapshot(
        snapshot(file_change("app/run.py", VULNERABLE_OLD, moved_new)),
        scanners=[BanditScanner()],
    )

    # then
    assert first.findings[0].data.line == 5
    assert second.findings[0].data.line == 10
    assert first.findings[0].fingerprint == second.findings[0].fingerprint


def test_duplicate_findings_get_distinct_stable_fingerprints():
    # given the same line twice
    new = "eval(input())\neval(input())\n"

    # when
    result = analyze_snapshot(
        snapshot(file_change("a.py", "", new, status="added")), scanners=[BanditScanner()]
    )
    again = analyze_snapshot(
        snapshot(file_change("a.py", "", new, status="added")), scanners=[BanditScanner()]
    )

    # then
    fingerprints = [f.fingerprint for f in result.findings]
    assert [f.data.line for f in result.findings] == [1, 2]
    assert len(set(fingerprints)) == 2
    assert fingerprints == [f.fingerprint for f in again.findings]


def test_files_that_are_not_scanned_say_why():
    # given one file of every kind that is not scanned
    files = (
        file_change("bad.py", "", "", patch="@@ -1,3 +1,3 @@\n broken"),
        file_change("big.py", "a\n", "b\n", content=None, note="File larger than 1 MiB."),
        file_change("nocontent.py", "a\n", "b\n", content=None),
        FileChange(path="gone.py", status="removed", patch="@@ -1 +0,0 @@\n-x = 1"),
        FileChange(path="logo.png", status="modified", patch=None, is_binary=True),
        file_change("README.md", "a\n", "b\n"),
        file_change("huge.py", "", "", patch=None, content="x = 1\n", note="GitHub omitted it"),
    )

    # when
    result = analyze_snapshot(snapshot(*files), scanners=[BanditScanner()])

    # then
    assert [(f.path, f.analysis, f.analysis_note) for f in result.files] == [
        (
            "bad.py",
            "not_analysed",
            "The diff of this file could not be read: a hunk ends before the number of lines "
            "its @@ header announces",
        ),
        ("big.py", "not_analysed", "File larger than 1 MiB."),
        ("nocontent.py", "not_analysed", "Content not available."),
        ("gone.py", "not_applicable", "File removed."),
        ("logo.png", "not_applicable", "Binary file."),
        ("README.md", "not_applicable", "no scanner reads this file type"),
        ("huge.py", "not_analysed", "GitHub omitted it"),
    ]
    assert result.findings == ()
    assert result.files[3].hunks[0].removed[0].text == "x = 1"


def test_an_added_file_without_patch_is_scanned_as_all_added():
    # given GitHub omitted the patch of a new, large file
    change = FileChange(path="new.py", status="added", patch=None, content="eval(input())\n")

    # when
    result = analyze_snapshot(snapshot(change), scanners=[BanditScanner()])

    # then
    assert [(f.data.rule_id, f.data.line) for f in result.findings] == [("bandit.B307", 1)]
    assert (result.files[0].additions, result.files[0].analysis) == (1, "analysed")


def test_a_scanner_crash_on_one_file_fails_only_that_file():
    # given two files; the exploding scanner crashes on the first only
    files = (
        file_change("crash.py", "", "boom = eval(input())\n", status="added"),
        file_change("ok.py", "", "x = eval(input())\n", status="added"),
    )

    # when
    result = analyze_snapshot(snapshot(*files), scanners=[BanditScanner(), ExplodingScanner()])

    # then
    assert [(f.path, f.analysis, f.analysis_note) for f in result.files] == [
        ("crash.py", "not_analysed", "The exploding scanner failed on this file."),
        ("ok.py", "analysed", ""),
    ]
    assert [(f.path, f.scanner_id) for f in result.failures] == [("crash.py", "exploding")]
    # bandit's findings on the crashed file still stand
    assert sorted((f.data.path, f.data.rule_id) for f in result.findings) == [
        ("crash.py", "bandit.B307"),
        ("ok.py", "bandit.B307"),
    ]


def test_cache_hit_skips_the_scanner_and_is_filtered_to_added_lines(counting_bandit):
    # given a first run that fills the cache for blob "abc"
    cache = DictCache()
    text = "CACHE = open('/tmp/app-cache.db')\nx = 1\n"
    first = analyze_snapshot(
        snapshot(file_change("a.py", "", text, status="added", blob_sha="abc")), cache=cache
    )
    assert counting_bandit == ["a.py"]
    # bandit ran without the tests python-taint supersedes, so under that run's own key
    [(scanner_id, version, rows)] = [
        (key[0], key[1], rows) for key, rows in cache.rows.items() if key[0].startswith("bandit")
    ]
    assert scanner_id.startswith("bandit:without-")
    assert version == cache_version(BanditScanner())
    assert [row["rule_id"] for row in rows] == ["bandit.B108"]

    # when the same blob comes back renamed, and with only line 2 added
    renamed = file_change(
        "b.py",
        "CACHE = open('/tmp/app-cache.db')\n",
        text,
        status="renamed",
        previous_path="a.py",
        blob_sha="abc",
    )
    second = analyze_snapshot(snapshot(renamed), cache=cache)

    # then bandit did not run again, and the cached finding on line 1 is not an added line
    assert counting_bandit == ["a.py"]
    assert [(f.data.path, f.data.line) for f in first.findings] == [("a.py", 1)]
    assert second.findings == ()
    assert second.files[0].analysis == "analysed"


def test_cached_findings_take_the_current_path():
    cache = DictCache()
    found = FindingData(
        scanner_id="bandit",
        scanner_version=BanditScanner.version,
        rule_id="bandit.B307",
        cwe=78,
        severity="medium",
        confidence="high",
        title="eval",
        message="m",
        guidance="g",
        path="old/place.py",
        line=1,
        end_line=1,
        code="eval(input())",
    )
    cache.put("bandit", cache_version(BanditScanner()), "f00d", "python", [found.as_dict()])

    result = analyze_snapshot(
        snapshot(
            file_change("new/place.py", "", "eval(input())\n", status="added", blob_sha="f00d")
        ),
        cache=cache,
        scanners=[BanditScanner()],
    )

    assert [(f.data.path, f.data.line) for f in result.findings] == [("new/place.py", 1)]


def test_results_cached_by_another_engine_are_not_served(counting_bandit):
    # given a row cached under the scanner's own version but another engine's code
    cache = DictCache()
    text = "import pickle\n\n\ndef load(b):\n    return pickle.loads(b)\n"
    cache.put("bandit", BanditScanner.version, "beef", "python", [])

    # when
    result = analyze_snapshot(
        snapshot(file_change("a.py", "", text, status="added", blob_sha="beef")),
        cache=cache,
        scanners=[BanditScanner()],
    )

    # then bandit ran again and found what the stale row hid
    assert counting_bandit == ["a.py"]
    assert any(f.data.rule_id.startswith("bandit.B") for f in result.findings)


def test_bandit_leaves_out_the_tests_python_taint_supersedes_only_where_python_taint_read_the_file(
    monkeypatch,
):
    from findings.engine.scanners import python_taint

    ran_without: list[frozenset[str]] = []
    original = BanditScanner.scan

    def recording_scan(self, files):
        ran_without.append(self.skipped_tests)
        return original(self, files)

    monkeypatch.setattr(BanditScanner, "scan", recording_scan)
    code = "eval(input())\n"

    # read by python-taint: its code-injection verdict, and bandit's eval test (B307) not run
    read = analyze_snapshot(snapshot(file_change("a.py", "", code, status="added")))
    assert [f.data.rule_id for f in read.findings] == ["python-taint.code-injection"]
    assert "B307" in ran_without[-1]

    # a file python-taint cannot read (here: over its size limit) gets bandit's whole run
    monkeypatch.setattr(python_taint, "MAX_FILE_CHARS", 5)
    unread = analyze_snapshot(snapshot(file_change("a.py", "", code, status="added")))
    assert [f.data.rule_id for f in unread.findings] == ["bandit.B307"]
    assert ran_without[-1] == frozenset({"B613"})  # the trojan-source scanner still read it


def test_a_bandit_run_without_some_tests_is_cached_apart_and_ignores_other_scanners_rules():
    narrowed = BanditScanner().without(frozenset({"bandit.B307", "semgrep.js-sql-injection"}))

    assert narrowed is not None and narrowed.skipped_tests == frozenset({"B307"})
    assert narrowed.cache_key != BanditScanner().cache_key == "bandit"
    assert BanditScanner().without(frozenset({"semgrep.js-sql-injection"})) is None


def test_a_patch_seen_before_is_parsed_once_and_a_long_one_is_not_kept():
    from findings.engine import analysis, diff

    diff._remembered.cache_clear()
    patch = "@@ -0,0 +1,2 @@\n+a = 1\n+b = 2"
    change = FileChange(path="a.py", status="added", patch=patch, content="a = 1\nb = 2\n")

    first = analysis._hunks_for(change)
    again = analysis._hunks_for(FileChange(path="b.py", status="added", patch=patch))

    assert again is first  # the same parsed, immutable hunks
    assert [line.number for line in first[0].added] == [1, 2]
    assert diff._remembered.cache_info().hits == 1
    long_patch = "@@ -0,0 +1,1 @@\n+" + "x" * diff.PATCH_CACHE_MAX_CHARS
    analysis._hunks_for(FileChange(path="c.py", status="added", patch=long_patch))
    assert diff._remembered.cache_info().currsize == 1
