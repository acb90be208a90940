"""Source bytes to text the way each language reads them, so an encoding is never a way past the
checks (issue 16.4).

- Python: PEP 263 / PEP 3120 as the interpreter applies them (`tokenize.detect_encoding`: a
  UTF-8 BOM, else a `coding:` declaration in the first two lines, else UTF-8). A file Python
  itself would refuse to read (UTF-16, say) is not decoded.
- Go: UTF-8 only, a UTF-8 BOM allowed (the language requires it).
- Everything else: a byte-order mark decides first (UTF-8, UTF-16 or UTF-32, either endianness);
  then UTF-8. JavaScript/TypeScript and Java fall back to Windows-1252 (javac's and browsers'
  usual legacy default), then Latin-1, with a note saying so.
- Other files that are not UTF-8 are treated as binary, as before.

NUL bytes without a BOM mean binary. `DecodedText.text` is None when the bytes are not text; the
`reason` then says why, in words a reviewer can read.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

from findings.engine.languages import language_for_path

SNIFF_BYTES = 8000
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY_FALLBACK = {"javascript", "typescript", "java"}


@dataclass(frozen=True)
class DecodedText:
    text: str | None
    encoding: str = ""  # the encoding used, when it was not plain UTF-8
    reason: str = ""  # why there is no text, or how it was read when not UTF-8

    @property
    def is_binary(self) -> bool:
        return self.text is None

    @property
    def note(self) -> str:
        """The reason as a sentence for the file's note: "Not scanned: …." or "Read as …."; "" when
        the file is plain UTF-8."""
        if self.text is None:
            return f"Not scanned: {self.reason}."
        return f"{self.reason[:1].upper()}{self.reason[1:]}." if self.reason else ""


def decode_source(raw: bytes, path: str) -> DecodedText:
    """The text of a file at `path`, decoded as its language reads it."""
    language = language_for_path(path)
    if language == "python":
        return _python(raw)
    if language == "go" and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]  # the one BOM Go accepts
    for bom, encoding in _BOMS if language != "go" else ():
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return DecodedText(
                    None, reason=f"starts with a {encoding} byte-order mark but is not {encoding}"
                )
            return DecodedText(
                text, encoding=encoding, reason=f"read as {encoding} (byte-order mark)"
            )
    if b"\x00" in raw[:SNIFF_BYTES]:
        return DecodedText(None, reason="binary (NUL bytes and no byte-order mark)")
    try:
        return DecodedText(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        if language in _LEGACY_FALLBACK:
            for legacy in ("cp1252", "latin-1"):
                try:
                    text = raw.decode(legacy)
                except UnicodeDecodeError:
                    continue
                return DecodedText(text, encoding=legacy, reason=f"not UTF-8; read as {legacy}")
        where = f"byte {error.start}"
        if language == "go":
            return DecodedText(None, reason=f"not UTF-8 at {where}, which Go requires")
        return DecodedText(None, reason=f"not UTF-8 text (at {where})")


def _python(raw: bytes) -> DecodedText:
    # The common case first: no byte-order mark and no coding declaration in the first two
    # lines, so Python reads UTF-8 (PEP 3120), and the whole file decodes as UTF-8. The
    # tokenizer's detection below gives the same answer for it, at several times the cost.
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    head = raw if second < 0 else raw[: second + 1]  # what the tokenizer reads for a cookie
    if b"coding" not in head and not raw.startswith(codecs.BOM_UTF8):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # the tokenizer's own verdict and message, below
        if text is not None:
            if b"\x00" in raw[:SNIFF_BYTES]:
                return DecodedText(None, reason="binary (NUL bytes and no byte-order mark)")
            return DecodedText(text)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as error:
        return DecodedText(None, reason=f"Python would not read it: {error.msg}")
    if b"\x00" in raw[:SNIFF_BYTES]:
        return DecodedText(None, reason="binary (NUL bytes and no byte-order mark)")
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        return DecodedText(None, reason=f"Python would not read it as {encoding}: {error}")
    if text.startswith("\ufeff"):
        text = text[1:]
    plain = encoding in ("utf-8", "utf-8-sig")
    return DecodedText(
        text,
        encoding="" if plain else encoding,
        reason="" if plain else f"read as {encoding} (its coding declaration)",
    )
