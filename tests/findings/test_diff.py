"""Diff parsing: GitHub's per-file patch, full git diffs, and malformed input."""

from __future__ import annotations

import hashlib

import pytest

from findings.engine.diff import (
    DiffError,
    FileDiff,
    LineData,
    diff_texts,
    parse_patch,
    parse_unified_diff,
)


def test_parse_patch_numbers_added_and_removed_lines_and_keeps_the_hunk_text():
    # given a GitHub patch with two hunks and a section header
    patch = (
        "@@ -1,3 +1,4 @@ def handler():\n"
        " import os\n"
        "-x = 1\n"
        "+x = 2\n"
        "+y = 3\n"
        " z = 4\n"
        "@@ -10,2 +11,2 @@ class A:\n"
        "-    old()\n"
        "+    new()\n"
        "     keep()"
    )

    # when
    hunks = parse_patch(patch)

    # then
    assert len(hunks) == 2
    first, second = hunks
    assert (first.index, first.source_start, first.source_length) == (0, 1, 3)
    assert (first.target_start, first.target_length) == (1, 4)
    assert first.section_header == "def handler():"
    assert first.added == (LineData(2, "x = 2"), LineData(3, "y = 3"))
    assert first.removed == (LineData(2, "x = 1"),)
    assert first.content == (
        "@@ -1,3 +1,4 @@ def handler():\n import os\n-x = 1\n+x = 2\n+y = 3\n z = 4"
    )
    assert second.index == 1
    assert second.added == (LineData(11, "    new()"),)
    assert second.removed == (LineData(10, "    old()"),)
    assert second.content == "@@ -10,2 +11,2 @@ class A:\n-    old()\n+    new()\n     keep()"
    expected_hash = hashlib.sha256(b"-    old()\n+    new()").hexdigest()
    assert second.content_hash == expected_hash


def test_content_hash_is_stable_when_the_hunk_only_moves():
    # given the same change at two different places in the file
    here = "@@ -1,2 +1,2 @@\n ctx\n-a = 1\n+a = 2"
    moved = "@@ -40,2 +42,2 @@ def f():\n other\n-a = 1\n+a = 2"

    # when / then
    assert parse_patch(here)[0].content_hash == parse_patch(moved)[0].content_hash
    assert (
        parse_patch(here)[0].content_hash
        != parse_patch("@@ -1 +1 @@\n-a = 1\n+a = 3")[0].content_hash
    )


def test_empty_patch_has_no_hunks():
    assert parse_patch("") == []
    assert parse_patch("\n") == []


def test_no_newline_marker_is_kept_in_content_and_not_counted_as_a_line():
    # given a change to a last line without a final newline
    patch = (
        "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file"
    )

    # when
    (hunk,) = parse_patch(patch)

    # then
    assert hunk.added == (LineData(2, "c"),)
    assert hunk.removed == (LineData(2, "b"),)
    assert hunk.content == patch


def test_crlf_patch_gives_line_text_without_carriage_returns():
    # given a patch of a file with Windows line ends
    patch = "@@ -1,2 +1,2 @@\r\n keep\r\n-old\r\n+new\r\n"

    # when
    (hunk,) = parse_patch(patch)

    # then
    assert hunk.added == (LineData(2, "new"),)
    assert hunk.removed == (LineData(2, "old"),)
    assert hunk.content == "@@ -1,2 +1,2 @@\r\n keep\r\n-old\r\n+new\r"


def test_unicode_line_separator_inside_a_line_does_not_shift_line_numbers():
    # given an added line holding U+2028 and a form feed, which str.splitlines() would split
    patch = "@@ -1 +1,3 @@\n a\n+b\u2028c\x0cd\n+e"

    # when
    (hunk,) = parse_patch(patch)

    # then
    assert hunk.added == (LineData(2, "b\u2028c\x0cd"), LineData(3, "e"))


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("this is not a diff", "the patch does not start with a hunk header: 'this is not a diff'"),
        (
            "@@ -1,x +1 @@\n+a",
            "line 1: bad hunk header '@@ -1,x +1 @@'; expected '@@ -start,count +start,count @@'",
        ),
        (
            "@@ -1,3 +1,3 @@\n a\n-b\n+c",
            "a hunk ends before the number of lines its @@ header announces",
        ),
        (
            "@@ -1 +1 @@\n-a\n+b\n+c",
            "line 4: the hunk has more lines than its @@ header announces: '+c'",
        ),
        ("@@ -1 +1 @@\n-a\n+b\ntrailing garbage", "line 4 is outside any hunk: 'trailing garbage'"),
        (
            "@@ -1 +1 @@\n-a\n+b\n@@ -9,2 +9,2 @@\n a\n?b",
            "a line inside a hunk does not start with ' ', '+', '-' or '\\': '?b'",
        ),
        (
            "@@ -1 +1,999999999999 @@\n+a",
            "line 1: hunk header has an impossible line number",
        ),
    ],
)
def test_malformed_patch_raises_a_readable_diff_error(patch, message):
    with pytest.raises(DiffError) as excinfo:
        parse_patch(patch)

    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)


def test_error_message_escapes_and_bounds_the_offending_text():
    # given a bad first line with control characters and 500 characters of junk
    patch = "\x1b[31mred\n" + "x" * 500

    # when
    with pytest.raises(DiffError) as excinfo:
        parse_patch(patch)

    # then the terminal escape is shown escaped, never raw
    assert str(excinfo.value) == "the patch does not start with a hunk header: '\\x1b[31mred'"


FULL_DIFF = """\
diff --git a/app/views.py b/app/views.py
index 1111111..2222222 100644
--- a/app/views.py
+++ b/app/views.py
@@ -1,2 +1,2 @@
 import os
-DEBUG = True
+DEBUG = False
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
index 3333333..4444444 100644
--- a/old name.py
+++ b/new name.py
@@ -1 +1 @@
-a = 1
+a = 2
diff --git a/added.py b/added.py
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ b/added.py
@@ -0,0 +1,2 @@
+print("hi")
+print("there")
diff --git a/gone.py b/gone.py
deleted file mode 100644
index 6666666..0000000
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-bye()
diff --git a/logo.png b/logo.png
index 7777777..8888888 100644
Binary files a/logo.png and b/logo.png differ
"""


def test_parse_unified_diff_reads_modified_renamed_added_removed_and_binary_files():
    # when
    files = parse_unified_diff(FULL_DIFF)

    # then
    assert [(f.path, f.previous_path, f.status, f.is_binary) for f in files] == [
        ("app/views.py", "", "modified", False),
        ("new name.py", "old name.py", "renamed", False),
        ("added.py", "", "added", False),
        ("gone.py", "", "removed", False),
        ("logo.png", "", "modified", True),
    ]
    assert all(isinstance(f, FileDiff) for f in files)
    assert files[0].hunks[0].added == (LineData(2, "DEBUG = False"),)
    assert files[0].hunks[0].content == "@@ -1,2 +1,2 @@\n import os\n-DEBUG = True\n+DEBUG = False"
    assert files[2].hunks[0].added == (LineData(1, 'print("hi")'), LineData(2, 'print("there")'))
    assert files[3].hunks[0].removed == (LineData(1, "bye()"),)
    assert files[4].hunks == ()


def test_parse_unified_diff_keeps_hostile_file_names_as_data():
    # given a diff whose target name climbs out of the repository
    text = "--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n"

    # when
    (file,) = parse_unified_diff(text)

    # then the name is data, nothing more
    assert file.path == "../../etc/passwd"
    assert file.status == "modified"
    assert file.hunks[0].added == (LineData(1, "b"),)


def test_parse_unified_diff_rejects_text_that_is_no_diff():
    with pytest.raises(DiffError) as excinfo:
        parse_unified_diff("hello\nworld\n")

    assert str(excinfo.value) == (
        "no file changes found; the text does not look like a diff: 'hello'"
    )


def test_parse_unified_diff_rejects_a_short_hunk():
    text = "--- a/x.py\n+++ b/x.py\n@@ -1,5 +1,5 @@\n a\n"

    with pytest.raises(DiffError) as excinfo:
        parse_unified_diff(text)

    assert str(excinfo.value) == "a hunk ends before the number of lines its @@ header announces"


def test_parse_unified_diff_of_empty_text_is_empty():
    assert parse_unified_diff("") == []


def _lines(text):
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _apply(old, hunks):
    """Apply parsed hunks to `old` using only their content, like `patch` would."""
    old_lines = _lines(old)
    result = []
    cursor = 0
    for hunk in hunks:
        first_old = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        result.extend(old_lines[cursor:first_old])
        cursor = first_old
        for line in hunk.content.split("\n")[1:]:
            kind, text = line[:1], line[1:]
            if kind == " ":
                assert old_lines[cursor] == text
                result.append(old_lines[cursor])
                cursor += 1
            elif kind == "-":
                assert old_lines[cursor] == text
                cursor += 1
            elif kind == "+":
                result.append(text)
    result.extend(old_lines[cursor:])
    return result


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("", "one\ntwo\n"),
        ("one\ntwo\n", ""),
        ("a\nb", "a\nc"),
        ("x\r\ny\r\n", "x\r\nz\r\n"),
        (
            "\n".join(f"line {n}" for n in range(1, 40)) + "\n",
            "\n".join(f"line {n}" if n not in (5, 30) else "changed" for n in range(1, 40)) + "\n",
        ),
    ],
)
def test_diff_texts_round_trips_through_parse_patch(old, new):
    # when
    patch = diff_texts(old, new)
    hunks = parse_patch(patch)

    # then the parsed hunks turn the old text into the new one
    assert not patch.startswith("---")
    assert _apply(old, hunks) == _lines(new)
    added_texts = [line.text for hunk in hunks for line in hunk.added]
    assert all(
        _lines(new)[line.number - 1].rstrip("\r") == line.text
        for hunk in hunks
        for line in hunk.added
    )
    assert len(added_texts) == sum(1 for hunk in hunks for _ in hunk.added)


def test_diff_texts_of_equal_texts_is_empty():
    assert diff_texts("same\n", "same\n") == ""
    assert parse_patch(diff_texts("same\n", "same\n")) == []


def test_diff_texts_uses_three_lines_of_context_and_marks_missing_final_newline():
    # when
    patch = diff_texts("1\n2\n3\n4\n5\n6\n7\n8", "1\n2\n3\n4\n5\n6\n7\nEIGHT")

    # then
    assert patch == (
        "@@ -5,4 +5,4 @@\n 5\n 6\n 7\n-8\n\\ No newline at end of file\n+EIGHT\n"
        "\\ No newline at end of file"
    )
