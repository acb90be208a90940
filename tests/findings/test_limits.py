"""The policy's `limits` bound an analysis (issue 15.4): past a limit a file is listed as not
analysed with the limit named, never dropped; each scanner's time is measured."""

from __future__ import annotations

from findings.engine import analysis
from findings.engine.analysis import NOT_ANALYSED, AnalysisLimits, analyze_snapshot
from findings.engine.scanners import Scanner, ScanOutcome
from tests.findings.conftest import file_change, snapshot


class CountingScanner(Scanner):
    id = "counting"
    version = "1"
    languages = frozenset({"python"})

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def scan(self, files):
        self.batches.append([source.path for source in files])
        return ScanOutcome()


def _files(count: int, text: str = "VALUE = 1\n"):
    return [
        file_change(f"pkg/mod_{i:03}.py", "", text, status="added", blob_sha=f"{i:040x}")
        for i in range(count)
    ]


def test_files_past_max_files_are_listed_as_not_analysed_with_the_limit():
    scanner = CountingScanner()

    result = analyze_snapshot(
        snapshot(*_files(5)), scanners=[scanner], limits=AnalysisLimits(max_files=3)
    )

    assert [f.analysis for f in result.files] == ["analysed"] * 3 + [NOT_ANALYSED] * 2
    assert [f.path for f in result.files][3:] == ["pkg/mod_003.py", "pkg/mod_004.py"]
    assert "the pull request changes 5 files" in result.files[4].analysis_note
    assert "limits.max_files" in result.files[4].analysis_note
    assert result.files[4].additions == 1  # still counted
    assert scanner.batches == [["pkg/mod_000.py", "pkg/mod_001.py", "pkg/mod_002.py"]]


def test_a_file_over_max_file_bytes_is_not_scanned_and_says_its_size():
    big = "X = '" + "a" * 3000 + "'\n"
    scanner = CountingScanner()
    files = [*_files(1), file_change("pkg/big.py", "", big, status="added", blob_sha="b" * 40)]

    result = analyze_snapshot(
        snapshot(*files), scanners=[scanner], limits=AnalysisLimits(max_file_bytes=2048)
    )

    by_path = {f.path: f for f in result.files}
    assert by_path["pkg/big.py"].analysis == NOT_ANALYSED
    assert "3,007 bytes" in by_path["pkg/big.py"].analysis_note
    assert "limits.max_file_bytes" in by_path["pkg/big.py"].analysis_note
    assert scanner.batches == [["pkg/mod_000.py"]]


def test_a_scanner_out_of_time_leaves_the_files_it_did_not_reach_not_analysed(monkeypatch):
    # A clock that moves 3 s whenever it is read: one batch is scanned, then the 5 s are up.
    now = iter(range(0, 10_000, 3))
    monkeypatch.setattr(analysis.time, "monotonic", lambda: float(next(now)))
    monkeypatch.setattr(analysis, "SCAN_BATCH_FILES", 2)
    scanner = CountingScanner()

    result = analyze_snapshot(
        snapshot(*_files(5)), scanners=[scanner], limits=AnalysisLimits(scanner_seconds=5)
    )

    assert scanner.batches == [["pkg/mod_000.py", "pkg/mod_001.py"]]
    states = [(f.path, f.analysis) for f in result.files]
    assert states[:2] == [("pkg/mod_000.py", "analysed"), ("pkg/mod_001.py", "analysed")]
    assert all(state == NOT_ANALYSED for _, state in states[2:])
    assert "ran out of the policy's 5 s" in result.files[4].analysis_note
    assert "limits.scanner_seconds" in result.files[4].analysis_note
    assert result.scanner_files == {"counting": 2}
    assert result.scanner_seconds["counting"] > 0


def test_each_scanner_time_and_files_are_measured_and_cache_hits_read_nothing():
    from tests.findings.test_analysis import DictCache

    cache = DictCache()
    scanner = CountingScanner()
    first = analyze_snapshot(snapshot(*_files(3)), scanners=[scanner], cache=cache)
    again = analyze_snapshot(snapshot(*_files(3)), scanners=[scanner], cache=cache)

    assert first.scanner_files == {"counting": 3}
    assert again.scanner_files == {"counting": 0}
    assert set(first.scanner_seconds) == {"counting"}
