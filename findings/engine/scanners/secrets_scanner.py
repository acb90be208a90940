"""Hard-coded secrets found with detect-secrets, run in memory; a finding never echoes a secret.

detect-secrets' line plugins (AWS, GitHub, private keys, keywords, high-entropy strings, ...) and
its heuristic filters run over the text the scanner is given. No file is written: detect-secrets
reads the lines from memory and only sees a generated name with the file's extension (which picks
its keyword patterns). Every secret is masked to its first four characters plus "…" before it
reaches a finding, so the code, title, message and fingerprint hold no usable secret.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.core.scan import _is_filtered_out, _scan_line
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.keyword import DENYLIST as KEYWORD_DENYLIST
from detect_secrets.settings import default_settings, get_plugins
from detect_secrets.util.code_snippet import get_code_snippet

from findings.engine.scanners import FindingData, Scanner, ScanOutcome, SourceFile, register
from findings.engine.testpaths import is_test_or_example_path

logger = logging.getLogger(__name__)

MASK_KEEP = 4
MASK = "…"
_MAX_CODE_CHARS = 500
# Minified bundles put a whole program on one line; nobody hides a credential past this.
_MAX_SCANNED_LINE_CHARS = 4000
_MAX_VARIABLE_CHARS = 64
_GUIDANCE = (
    "Remove the secret from the code and rotate it now: it is in the repository's history. "
    "Read it at run time from the environment or a secret manager (e.g. os.environ['NAME'])."
)

# detect-secrets' plugin names, most specific first: one finding per line, from the first match.
_PRIORITY = (
    "Private Key",
    "AWS Access Key",
    "GitHub Token",
    "GitLab Token",
    "Slack Token",
    "Stripe Access Key",
    "Azure Storage Account access key",
    "OpenAI Token",
    "PyPI Token",
    "NPM tokens",
    "SendGrid API Key",
    "Twilio API Key",
    "Discord Bot Token",
    "Telegram Bot Token",
    "Mailchimp Access Key",
    "Square OAuth Secret",
    "Artifactory Credentials",
    "IBM Cloud IAM Key",
    "IBM COS HMAC Credentials",
    "SoftLayer Credentials",
    "Cloudant Credentials",
    "JSON Web Token",
    "Basic Auth Credentials",
    "Secret Keyword",
    "Base64 High Entropy String",
    "Hex High Entropy String",
)
_CRITICAL = frozenset({"Private Key", "AWS Access Key"})
_CONFIDENCE = {
    "Secret Keyword": "medium",
    "Base64 High Entropy String": "medium",
    "Hex High Entropy String": "low",
    "Basic Auth Credentials": "medium",
}
# Public IPs are not secrets; detect-secrets reports them with the same machinery.
_IGNORED_TYPES = frozenset({"Public IP (ipv4)"})

# Values that are obviously not real secrets: docs placeholders and template slots.
_PLACEHOLDER_WORDS = (
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "example",
    "placeholder",
    "dummy",
    "your_",
    "your-",
    "yourtoken",
    "xxxx",
    "redacted",
    "replace",
    "insert",
    "notasecret",
    "not-a-secret",
    "fake",
    "secret_here",
    "todo",
    "fixme",
)
_PLACEHOLDER_MARKERS = ("<", ">", "${", "{{", "%(", "****")

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.~:@]")
# Long runs mixing letters and digits on a flagged line are likely key material too (a key body on
# the same line as its header, a second token); they are masked as well.
_KEYISH_RUN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")
_ASSIGNMENT = re.compile(
    r"""["']?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]{0,63})["']?\s*(?::=|=>|=|:)\s*\S*$"""
)
_SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
# A high-entropy string alone says only that it looks random. Hashes, ids and commit SHAs look
# random too: a hex string assigned to a name that names no secret, or any random-looking string
# assigned to a name that says it is a hash or an id, is not reported. A string without a name
# (an argument, a list item) still is.
_ENTROPY_KINDS = frozenset({"Hex High Entropy String", "Base64 High Entropy String"})
_SECRET_NAME = re.compile(
    r"(?i)key|secret|token|pass|pwd|auth|cred|private|hmac|sign|session|cookie|bearer|api|"
    r"access|salt|dsn|conn"
)
_DATA_NAME = re.compile(
    r"(?:^|[_.\-]|(?<=[a-z]))(?:id|ids|uuid|guid|hash|hashes|sha|sha1|sha256|sha512|md5|digest|"
    r"checksum|etag|commit|revision|rev|fingerprint)$",
    re.IGNORECASE,
)


def _named_data(kind: str, name: str | None) -> bool:
    """Whether an entropy finding's name says the value is data, not a secret."""
    if kind not in _ENTROPY_KINDS or not name or _SECRET_NAME.search(name):
        return False
    camel = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return kind == "Hex High Entropy String" or bool(_DATA_NAME.search(camel))


def mask_secret(value: str) -> str:
    """The first four characters of a secret followed by "…", never more."""
    return value[:MASK_KEEP] + MASK


def _slug(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


def is_placeholder(value: str) -> bool:
    """Whether a flagged value is a documentation placeholder rather than a credential."""
    lowered = value.lower()
    if any(marker in value for marker in _PLACEHOLDER_MARKERS):
        return True
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    return len(set(lowered)) <= 2


def _secret_span(line: str, value: str) -> tuple[int, int] | None:
    """Where the secret sits in the line, widened to the whole token: some plugins capture only
    a prefix (GitHub's `ghp`), and the rest of the token must be masked too."""
    if not value:
        return None
    start = line.find(value)
    if start < 0:
        return None
    end = start + len(value)
    while end < len(line) and _TOKEN_CHARS.match(line[end]):
        end += 1
    return start, end


def _is_keyish(run: str) -> bool:
    return any(char.isdigit() for char in run) and any(char.isalpha() for char in run)


def mask_line(line: str, values: Sequence[str]) -> str:
    """The line with every flagged secret, and every key-like run, cut to four characters."""
    spans: list[tuple[int, int]] = []
    for value in values:
        span = _secret_span(line, value)
        if span is not None:
            spans.append(span)
    spans.extend(
        (match.start(), match.end())
        for match in _KEYISH_RUN.finditer(line)
        if _is_keyish(match.group())
    )
    if not spans:
        return line
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out.append(line[position:start])
        out.append(mask_secret(line[start:end]))
        position = end
    out.append(line[position:])
    return "".join(out)


def _variable_name(line: str, value: str) -> str | None:
    """The name the secret is assigned to, when the line shows one (`KEY = "..."`, `"key": ...`)."""
    start = line.find(value) if value else -1
    if start <= 0:
        return None
    before = line[:start].rstrip().rstrip("\"'`").rstrip()
    match = _ASSIGNMENT.search(before + " x")
    if match is None:
        return None
    name = match.group("name")
    return name[:_MAX_VARIABLE_CHARS] if name else None


# Detectors whose every pattern needs one of these words (case-insensitive) in the line: their
# patterns end in a `(?:key|pwd|pw|password|pass|token)` group before the `=`/`:`.
# tests/findings/test_secrets_scanner.py checks the whole pre-selection against detect-secrets'
# own line scan, so a detect-secrets upgrade that changes them fails there.
_REQUIRED_WORDS: dict[str, tuple[str, ...]] = {
    "CloudantDetector": ("key", "pw", "pass", "token"),
    "IbmCloudIamDetector": ("key", "pwd", "pass", "token"),
    "IbmCosHmacDetector": ("key",),
    "SoftlayerDetector": ("key", "pwd", "pass", "token"),
}
# Plugins whose findings are dropped anyway (see _IGNORED_TYPES): no reason to pre-select lines.
_UNREPORTED_PLUGINS = frozenset({"IPPublicDetector"})


@dataclass(frozen=True)
class _Candidates:
    """What makes a line worth handing to detect-secrets, built from the plugins themselves.

    Each regex detector's own patterns; the keyword detector's keywords (every one of its
    patterns contains one, case-insensitively); for the entropy detectors a quoted run of their
    alphabet long enough to pass their limit (the entropy of n characters is at most log2(n)).
    A line that matches none cannot hold a finding.
    """

    patterns: tuple[re.Pattern[str], ...]
    keywords: tuple[str, ...]  # lower case
    # Patterns that only match on a line holding one of the words (lower case): run line by line
    # on those lines only, as detect-secrets runs them.
    gated: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()


def _expanded(word: str) -> list[str]:
    """detect-secrets' keyword patterns use `_?` for an optional underscore: both spellings."""
    if "_?" not in word:
        return [word]
    head, _, tail = word.partition("_?")
    return [head + "_" + rest for rest in _expanded(tail)] + [
        head + rest for rest in _expanded(tail)
    ]


def _candidates_of(plugins: Sequence[object]) -> _Candidates:
    patterns: list[re.Pattern[str]] = []
    keywords: list[str] = []
    gated: list[tuple[re.Pattern[str], tuple[str, ...]]] = []
    for plugin in plugins:
        name = type(plugin).__name__
        if name in _UNREPORTED_PLUGINS:
            continue
        if isinstance(plugin, HighEntropyStringsPlugin):
            shortest = int(2**plugin.entropy_limit) + 1
            alphabet = re.escape(plugin.charset)
            patterns.append(re.compile(rf"(['\"])[{alphabet}]{{{shortest},}}\1"))
        elif name == "KeywordDetector":
            keywords.extend(word for entry in KEYWORD_DENYLIST for word in _expanded(entry))
        elif name in _REQUIRED_WORDS:
            gated.extend((pattern, _REQUIRED_WORDS[name]) for pattern in plugin.denylist)  # type: ignore[attr-defined]
        else:
            for pattern in getattr(plugin, "denylist", ()):
                # MULTILINE: searched over the whole text, ^ and $ keep their per-line meaning.
                patterns.append(re.compile(pattern.pattern, pattern.flags | re.MULTILINE))
    return _Candidates(tuple(patterns), tuple(sorted(set(keywords))), tuple(gated))


_CANDIDATES: dict[tuple[str, ...], _Candidates] = {}


def _candidates_for(plugins: Sequence[object]) -> _Candidates:
    key = tuple(sorted(type(plugin).__name__ for plugin in plugins))
    found = _CANDIDATES.get(key)
    if found is None:
        found = _CANDIDATES[key] = _candidates_of(plugins)
    return found


def candidate_lines(content: Sequence[str], candidates: _Candidates) -> set[int]:
    """The 1-based numbers of the lines of `content` on which a plugin could fire.

    Each pattern runs once over the whole text (one call instead of one per line). A match may
    run across a line break (a class like \\s includes it); every line it spans is marked, and
    the search goes on from the first line after it, so each line holding a match of its own is
    marked: a superset, never a subset.
    """
    text = "\n".join(content)
    starts = [0]
    for line in content[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    marked: set[int] = set()

    def mark(start: int, end: int) -> int:
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(start, end - 1)) - 1
        marked.update(range(first + 1, last + 2))
        return last + 1  # index of the next line

    for pattern in candidates.patterns:
        position = 0
        while position <= len(text):
            match = pattern.search(text, position)
            if match is None:
                break
            following = mark(match.start(), match.end())
            if following >= len(starts):
                break
            position = starts[following]
    lowered = [line.lower() for line in content]
    lowered_text = "\n".join(lowered)
    lowered_starts = [0]
    for line in lowered[:-1]:
        lowered_starts.append(lowered_starts[-1] + len(line) + 1)

    def lines_with(word: str) -> Iterator[int]:
        position = lowered_text.find(word)
        while position >= 0:
            index = bisect.bisect_right(lowered_starts, position) - 1
            yield index + 1
            if index + 1 >= len(lowered_starts):
                return
            position = lowered_text.find(word, lowered_starts[index + 1])

    for word in candidates.keywords:
        marked.update(lines_with(word))
    words_seen: dict[str, set[int]] = {}
    for pattern, words in candidates.gated:
        holding: set[int] = set()
        for word in words:
            if word not in words_seen:
                words_seen[word] = set(lines_with(word))
            holding |= words_seen[word]
        marked.update(number for number in holding - marked if pattern.search(content[number - 1]))
    return marked


def _line_secrets(lines: list[tuple[int, str]], filename: str) -> Iterator[PotentialSecret]:
    """detect-secrets' line-based scan (its `_process_line_based_plugins`), run only on lines the
    candidate pattern lets through; filters still see the whole file's context."""
    plugins = list(get_plugins())
    content = [text for _, text in lines]
    wanted = candidate_lines(content, _candidates_for(plugins))
    for number, text in lines:
        if number not in wanted:
            continue
        line = text.rstrip()
        snippet = get_code_snippet(lines=content, line_number=number)
        if _is_filtered_out(
            required_filter_parameters=["line"], filename=filename, line=line, context=snippet
        ):
            continue
        for plugin in plugins:
            for secret in _scan_line(
                plugin=plugin, filename=filename, line=line, line_number=number, context=snippet
            ):
                if not _is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    yield secret


TEST_PATH_POLICIES = ("low", "ignore")
TEST_PATH_NOTE = " In test, fixture, example or documentation code: reported at low severity."


def demote_in_tests(finding: FindingData) -> FindingData:
    """A credential in test or example code: low severity, so it never blocks a merge."""
    if finding.severity in ("info", "low"):
        return finding
    return dataclasses.replace(finding, severity="low", message=finding.message + TEST_PATH_NOTE)


def _generated_name(path: str) -> str:
    # detect-secrets picks keyword patterns by extension; the PR's path itself is never handed on.
    _, extension = posixpath.splitext(posixpath.basename(path.replace("\\", "/")).lower())
    return "file" + (extension if _SAFE_EXTENSION.match(extension) else ".txt")


@register
class SecretsScanner(Scanner):
    """Hard-coded credentials (detect-secrets plugins and filters) in any text file."""

    id = "secrets"
    version = "1.5.0-2"
    languages = frozenset({"*"})

    def __init__(self, test_paths: str = "low") -> None:
        # "low": a secret under tests/, fixtures/, examples/, docs/ ... is reported at low
        # severity (never blocking); "ignore": not reported there at all.
        if test_paths not in TEST_PATH_POLICIES:
            raise ValueError(f"test_paths must be one of {', '.join(TEST_PATH_POLICIES)}")
        self.test_paths = test_paths

    def handles(self, language: str | None) -> bool:
        # Secrets hide in every kind of text: code, config, docs, manifests.
        return True

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Scan every line of each file for credentials and report them masked."""
        findings: list[FindingData] = []
        with default_settings():
            for source in files:
                if "\x00" in source.text[:8192]:
                    continue  # binary content carries no reviewable secret
                in_tests = is_test_or_example_path(source.path)
                if in_tests and self.test_paths == "ignore":
                    continue
                found = self._scan_file(source)
                findings.extend([demote_in_tests(f) for f in found] if in_tests else found)
        findings.sort(key=lambda finding: (finding.path, finding.line, finding.rule_id))
        return ScanOutcome(findings=tuple(findings), failures=())

    def _scan_file(self, source: SourceFile) -> list[FindingData]:
        raw_lines = source.text.split("\n")
        lines = [
            (number, text.rstrip("\r")[:_MAX_SCANNED_LINE_CHARS])
            for number, text in enumerate(raw_lines, start=1)
        ]
        by_line: dict[int, list[tuple[str, str]]] = {}
        for secret in _line_secrets(lines, _generated_name(source.path)):
            value = secret.secret_value or ""
            if secret.type in _IGNORED_TYPES or is_placeholder(value):
                continue
            by_line.setdefault(secret.line_number, []).append((secret.type, value))
        findings: list[FindingData] = []
        for number, found in sorted(by_line.items()):
            line = lines[number - 1][1]
            rank = {name: position for position, name in enumerate(_PRIORITY)}
            kind, value = min(found, key=lambda item: rank.get(item[0], len(rank)))
            if _named_data(kind, _variable_name(line, value)):
                continue
            findings.append(self._finding(source, number, line, kind, value, [v for _, v in found]))
        return findings

    def _finding(
        self,
        source: SourceFile,
        number: int,
        line: str,
        kind: str,
        value: str,
        values: list[str],
    ) -> FindingData:
        variable = _variable_name(line, value)
        span = _secret_span(line, value)
        masked = mask_secret(line[span[0] : span[1]] if span else value)
        if kind == "Private Key":
            message = "A private key block is committed to the repository."
            # The BEGIN header is not secret and tells the reviewer what they are looking at;
            # key material on the same line is still masked as a key-like run.
            values = [other for other in values if other != value]
        else:
            where = f" assigned to `{variable}`" if variable else ""
            message = f"A hard-coded {kind} ({masked}){where}."
        return FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            rule_id=f"secrets.{_slug(kind)}",
            cwe=798,
            severity="critical" if kind in _CRITICAL else "high",
            confidence=_CONFIDENCE.get(kind, "high"),
            title=f"Hard-coded secret: {kind}",
            message=message,
            guidance=_GUIDANCE,
            path=source.path,
            line=number,
            end_line=number,
            code=mask_line(line, values)[:_MAX_CODE_CHARS],
        )
