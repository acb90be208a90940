"""Per-file checklist work is remembered across pushes (reviewbench.checklist.memo): the same
checklist, with only the changed file worked out again."""

from __future__ import annotations

from findings.engine.diff import diff_texts
from reviewbench.checklist import build
from reviewbench.checklist.build import FileInfo, HunkInfo, checklist_build
from reviewbench.checklist.memo import VERSION, _code_version
from tests.findings.test_analysis import DictCache

HANDLER = """import subprocess


def export_receipt(order_id, out_dir):
    path = f"{out_dir}/{order_id}.pdf"
    subprocess.run(f"render {path}", shell=True)
    return path
"""


def _file(path: str, text: str) -> FileInfo:
    patch = diff_texts("", text)
    hunk = HunkInfo(index=0, content_hash=f"h-{path}-{hash(text)}", content=patch, ai=True)
    return FileInfo(path, hunks=(hunk,), text=text)


def _counting(monkeypatch) -> list[str]:
    calls: list[str] = []
    real_assumptions, real_questions = build.assumptions_for_file, build.questions_for_file

    def assumptions(source, shape=None):
        calls.append(f"assumptions:{source.path}")
        return real_assumptions(source, shape=shape)

    def questions(path, *args, **kwargs):
        calls.append(f"questions:{path}")
        return real_questions(path, *args, **kwargs)

    monkeypatch.setattr(build, "assumptions_for_file", assumptions)
    monkeypatch.setattr(build, "questions_for_file", questions)
    return calls


def test_a_second_build_reuses_every_file_and_gives_the_same_checklist(monkeypatch):
    calls = _counting(monkeypatch)
    files = [
        _file(f"app/export_{i}.py", HANDLER.replace("receipt", f"receipt_{i}")) for i in range(3)
    ]
    memo = DictCache()
    first = checklist_build([], files, memo=memo)
    assert len(calls) == 6
    assert any(spec.kind == "assumption" for spec in first)
    assert any(spec.kind == "comprehension" for spec in first)

    calls.clear()
    second = checklist_build([], files, memo=memo)

    assert calls == []
    assert second == first


def test_a_push_that_changes_one_file_works_out_that_file_only(monkeypatch):
    calls = _counting(monkeypatch)
    files = [_file(f"app/export_{i}.py", HANDLER) for i in range(3)]
    memo = DictCache()
    checklist_build([], files, memo=memo)
    calls.clear()
    changed = HANDLER.replace("shell=True", "shell=False")
    pushed = [files[0], _file("app/export_1.py", changed), files[2]]

    again = checklist_build([], pushed, memo=memo)

    assert calls == ["assumptions:app/export_1.py", "questions:app/export_1.py"]
    assert again == checklist_build([], pushed)  # the same as without a memo


def test_a_damaged_entry_is_worked_out_again():
    files = [_file("app/export.py", HANDLER)]
    memo = DictCache()
    reference = checklist_build([], files, memo=memo)
    for key in list(memo.rows):
        memo.rows[key] = [{"unexpected": 1}]

    assert checklist_build([], files, memo=memo) == reference


def test_the_version_follows_the_code_that_computes(tmp_path):
    source = tmp_path / "outline.py"
    source.write_text("A = 1\n")
    before = _code_version([source])
    source.write_text("A = 2\n")

    assert _code_version([source]) != before
    assert len(VERSION) == 32


def test_a_worker_reuses_what_it_already_read_without_asking_the_table_again(monkeypatch):
    files = [_file("app/export.py", HANDLER)]
    memo = DictCache()
    first = checklist_build([], files, memo=memo)
    asked: list[str] = []
    real_get_many = memo.get_many

    def counting_get_many(scanner_id, version, keys):
        asked.extend(key for key, _language in keys)
        return real_get_many(scanner_id, version, keys)

    monkeypatch.setattr(memo, "get_many", counting_get_many)
    calls = _counting(monkeypatch)

    second = checklist_build([], files, memo=memo)

    # the same checklist, with nothing worked out and nothing read back from the table
    assert second == first
    assert calls == []
    assert asked == []


def test_what_a_process_remembers_is_bounded(monkeypatch):
    from reviewbench.checklist import memo as memo_module

    monkeypatch.setattr(memo_module, "PROCESS_LIMIT", 2)
    for index in range(5):
        memo_module._remember("kind", f"key-{index}", [index])

    assert [key for _kind, _version, key in memo_module._PROCESS] == ["key-3", "key-4"]
