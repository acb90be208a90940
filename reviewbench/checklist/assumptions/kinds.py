"""Assumption kinds with their labels, CWE classes and prompts; the plain data of a challenge."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_FILE_BYTES = 1024 * 1024
MAX_ASSUMPTIONS = 200
KEY_MAX_LENGTH = 200  # ChecklistItem.key
NAME_LIMIT = 60
PATH_LIMIT = 200

SQL = "sql"
SHELL = "shell"
PATH = "path"
SSRF = "ssrf"
REDIRECT = "redirect"
TEMPLATE = "template"
DESERIALIZE = "deserialize"
REGEX = "regex"
ERROR_DETAILS = "error_details"
SECRET_COMPARE = "secret_compare"  # noqa: S105 - a kind name, not a secret  # nosec B105
COOKIE_FLAGS = "cookie_flags"
UPLOAD = "upload"
PARSE = "parse"
TIMEOUT = "timeout"
AUTHZ = "authz"
CRYPTO = "crypto"
TLS_VERIFY = "tls_verify"
FILE_PERMISSIONS = "file_permissions"
LOG_INPUT = "log_input"
# Implicit assumptions no scanner reports (issue 14).
SIZE = "size"
ERROR_SWALLOWED = "error_swallowed"
TOCTOU = "toctou"
RETRY = "retry"
LOG_SENSITIVE = "log_sensitive"
XPATH = "xpath"
LDAP = "ldap"
TRUST_BOUNDARY = "trust_boundary"
XXE = "xxe"
# A headless browser or HTML renderer on the server, handed a URL, markup or script.
BROWSER = "browser"
# An input among the arguments of a program that reads options as commands (git, ssh, tar).
ARGUMENT = "argument"
# An input concatenated into a URL's query string without encoding (parameter pollution).
QUERY = "query_param"
WEAK_RANDOM = "weak_random"
CODE = "code"
# Hit.extra of a TEMPLATE hit where escaping is off for whatever the markup will hold.
UNESCAPED = "unescaped"

# Where user input must not arrive unchecked, per injection kind.
_SINK_WORDS = {
    SQL: "the SQL in",
    SHELL: "the shell command in",
    PATH: "the file path in",
    SSRF: "the URL fetched by (SSRF)",
    BROWSER: "what the server-side browser loads or runs in",
    ARGUMENT: "the options of",
    QUERY: "the query string built for",
    REDIRECT: "the redirect target of",
    TEMPLATE: "the HTML/template built by",
    DESERIALIZE: "the deserializer",
    REGEX: "the regular expression in (ReDoS)",
    XPATH: "the XPath expression in",
    LDAP: "the LDAP filter or name in",
    TRUST_BOUNDARY: "the session data stored by",
    CODE: "the code run by",
}

KINDS: tuple[str, ...] = (
    SQL,
    SHELL,
    PATH,
    SSRF,
    REDIRECT,
    TEMPLATE,
    DESERIALIZE,
    REGEX,
    ERROR_DETAILS,
    SECRET_COMPARE,
    COOKIE_FLAGS,
    UPLOAD,
    PARSE,
    TIMEOUT,
    AUTHZ,
    CRYPTO,
    TLS_VERIFY,
    FILE_PERMISSIONS,
    LOG_INPUT,
    SIZE,
    ERROR_SWALLOWED,
    TOCTOU,
    RETRY,
    LOG_SENSITIVE,
    XPATH,
    LDAP,
    TRUST_BOUNDARY,
    XXE,
    WEAK_RANDOM,
    CODE,
    BROWSER,
    ARGUMENT,
    QUERY,
)

KIND_LABELS = {
    SQL: "SQL injection",
    SHELL: "Command injection",
    PATH: "Path traversal",
    SSRF: "Server-side request forgery",
    REDIRECT: "Open redirect",
    TEMPLATE: "HTML/template injection",
    DESERIALIZE: "Unsafe deserialization",
    REGEX: "Regular expression denial of service",
    ERROR_DETAILS: "Error details shown to the client",
    SECRET_COMPARE: "Secret compared in non-constant time",
    COOKIE_FLAGS: "Cookie without security flags",
    UPLOAD: "Unbounded upload",
    PARSE: "Unchecked parse or cast",
    TIMEOUT: "Outbound call without timeout",
    AUTHZ: "Endpoint without authentication or permission check",
    CRYPTO: "Weak hash or cipher",
    TLS_VERIFY: "TLS verification disabled",
    FILE_PERMISSIONS: "Overly open file permissions",
    LOG_INPUT: "User input written to logs",
    SIZE: "Input used as a size, limit or index",
    ERROR_SWALLOWED: "Error swallowed",
    TOCTOU: "File checked, then used (TOCTOU)",
    RETRY: "Retried operation that may not be idempotent",
    LOG_SENSITIVE: "Secret or personal data written to logs",
    XPATH: "XPath injection",
    LDAP: "LDAP injection",
    TRUST_BOUNDARY: "Input stored in the session (trust boundary)",
    XXE: "XML parsed with external entities (XXE)",
    WEAK_RANDOM: "Predictable random value for a secret",
    CODE: "Code injection (input run as code)",
    BROWSER: "Server-side browser pointed at input",
    ARGUMENT: "Argument injection (input read as an option)",
    QUERY: "HTTP parameter pollution (input in a query string)",
}

KIND_CWE = {
    SQL: 89,
    SHELL: 78,
    PATH: 22,
    SSRF: 918,
    REDIRECT: 601,
    TEMPLATE: 79,
    DESERIALIZE: 502,
    REGEX: 1333,
    ERROR_DETAILS: 209,
    SECRET_COMPARE: 208,
    COOKIE_FLAGS: 614,
    UPLOAD: 434,
    PARSE: 20,
    TIMEOUT: 400,
    AUTHZ: 862,
    CRYPTO: 327,
    TLS_VERIFY: 295,
    FILE_PERMISSIONS: 732,
    LOG_INPUT: 117,
    SIZE: 770,
    ERROR_SWALLOWED: 390,
    TOCTOU: 367,
    RETRY: 837,
    LOG_SENSITIVE: 532,
    XPATH: 643,
    LDAP: 90,
    TRUST_BOUNDARY: 501,
    XXE: 611,
    WEAK_RANDOM: 330,
    CODE: 94,
    BROWSER: 918,
    ARGUMENT: 88,
    QUERY: 88,
}

# Why each kind is asked, and what a good refutation names: shown under every challenge.
_RATIONALE = {
    SQL: (
        "Asked because a value that reaches a query string can change the query. A good "
        "refutation names the placeholder or ORM call that binds it (file:line), or the "
        "allow-list it is checked against."
    ),
    SHELL: (
        "Asked because a value that reaches a shell command can run other commands. A good "
        "refutation names the argument list without a shell, the quoting (shlex.quote) or the "
        "allow-list, with its line."
    ),
    PATH: (
        "Asked because a value in a file path can climb out of its directory (`../`). A good "
        "refutation names where the resolved path is checked against its base, or the "
        "allow-list of names, with its line."
    ),
    SSRF: (
        "Asked because a URL taken from input can point the server at internal hosts. A good "
        "refutation names the host allow-list check and its line."
    ),
    REDIRECT: (
        "Asked because a redirect target from input sends users to any site. A good refutation "
        "names the check that keeps it on this host (e.g. url_has_allowed_host_and_scheme)."
    ),
    TEMPLATE: (
        "Asked because markup built from values runs scripts in the reader's browser. A good "
        "refutation names the escaping (autoescape, format_html, textContent) and its line."
    ),
    DESERIALIZE: (
        "Asked because deserializing untrusted bytes can run code. A good refutation names why "
        "the bytes are trusted (signed, own storage) or the safe loader used instead."
    ),
    REGEX: (
        "Asked because a pattern from input, or a nested quantifier, can take exponential time. "
        "A good refutation names the escaping (re.escape), the length limit or the linear "
        "engine."
    ),
    ERROR_DETAILS: (
        "Asked because exception text and tracebacks tell an attacker about the system. A good "
        "refutation says what the client sees instead and where the details are logged."
    ),
    SECRET_COMPARE: (
        "Asked because `==` on secrets leaks their prefix through timing. A good refutation "
        "names the constant-time compare (hmac.compare_digest, MessageDigest.isEqual)."
    ),
    COOKIE_FLAGS: (
        "Asked because a cookie without Secure/HttpOnly/SameSite can be stolen or sent "
        "cross-site. A good refutation names where the flags are set (settings or the call)."
    ),
    UPLOAD: (
        "Asked because an upload without size and type limits fills disks and serves scripts. "
        "A good refutation names the size limit, the type check and the storage name."
    ),
    PARSE: (
        "Asked because a parse of input can fail or produce an out-of-range value. A good "
        "refutation names the error handling and the range check, with their lines."
    ),
    TIMEOUT: (
        "Asked because an outbound call without a timeout can hang a worker forever. A good "
        "refutation names the timeout (argument, client default) and its value."
    ),
    AUTHZ: (
        "Asked because a new endpoint is reachable by anyone until something checks who calls "
        "it. A good refutation names the decorator, middleware or permission class, or says "
        "why the endpoint is public. Not asked of sign-in, sign-out and liveness endpoints "
        "(login, logout, session, healthz, ping, …), which are public by design."
    ),
    CRYPTO: (
        "Asked because MD5, SHA-1, DES, RC4 and ECB are broken for security uses. A good "
        "refutation says the use is not security-relevant (a cache key) or names the "
        "replacement."
    ),
    TLS_VERIFY: (
        "Asked because turning certificate checks off allows a man in the middle. A good "
        "refutation names the pinned CA bundle or why the peer cannot be impersonated."
    ),
    FILE_PERMISSIONS: (
        "Asked because group- or world-writable files can be changed by other users. A good "
        "refutation names who else can reach the file and why that is fine."
    ),
    LOG_INPUT: (
        "Asked because input in log lines can forge entries (newlines) or leak data. A good "
        "refutation names the encoding or structured logging that keeps it one field."
    ),
    SIZE: (
        "Asked because a size, limit, count or index taken from input can be negative or huge "
        "(memory, time, out of range). A good refutation names the bound check and its line."
    ),
    ERROR_SWALLOWED: (
        "Asked because an error caught and dropped can hide a failed check or leave data "
        "half-written. A good refutation says why continuing is safe here, or names where the "
        "error is logged and surfaced."
    ),
    TOCTOU: (
        "Asked because a file checked and then used can change in between (a symlink swap). A "
        "good refutation names the atomic operation used instead (open with O_EXCL, "
        "try/except) or why nobody else can write there."
    ),
    RETRY: (
        "Asked because retrying an operation that already succeeded can do it twice (a "
        "charge, an e-mail, an insert). A good refutation names the idempotency key or why the "
        "operation is safe to repeat."
    ),
    LOG_SENSITIVE: (
        "Asked because passwords, tokens and personal data in logs outlive the request and "
        "reach more people. A good refutation names the redaction, or why the value is not "
        "sensitive."
    ),
    XPATH: (
        "Asked because a value put into an XPath expression can change what it selects (`' or "
        "'1'='1`). A good refutation names the XPath variable it is bound to, or the "
        "allow-list or escaping it passes, with its line."
    ),
    LDAP: (
        "Asked because a value put into an LDAP filter or DN can widen the search (`*)(uid=*`). "
        "A good refutation names the escaping (escape_filter_chars, Encoder.encodeForLDAP) or "
        "the allow-list, with its line."
    ),
    TRUST_BOUNDARY: (
        "Asked because a value stored in the session is read back by later requests as if the "
        "server had set it: the session is trusted, the request is not. A good refutation names "
        "the check before the store (type, allow-list, ownership) and its line, or says that no "
        "later code trusts the value."
    ),
    XXE: (
        "Asked because an XML parser that resolves external entities and DTDs reads local files "
        "and internal URLs the document names (XXE). A good refutation names the setting that "
        "turns them off (disallow-doctype-decl, resolve_entities=False, defusedxml) and its line, "
        "or says why the XML is trusted."
    ),
    WEAK_RANDOM: (
        "Asked because a general-purpose random generator (random, Math.random, java.util.Random, "
        "math/rand) is predictable from a few of its outputs. A good refutation says the value "
        "guards nothing (a shuffle, a jitter), or names the cryptographic generator used instead "
        "(secrets, crypto.randomBytes, SecureRandom, crypto/rand)."
    ),
    CODE: (
        "Asked because a value run as code (eval, exec, new Function, a script engine) can do "
        "anything the program can. A good refutation names why the value cannot come from a "
        "user, or the parser used instead (ast.literal_eval, JSON.parse), with its line."
    ),
    BROWSER: (
        "Asked because a headless browser or HTML-to-PDF renderer runs on the server, inside its "
        "network: a URL, markup or script it is handed from input makes it fetch internal hosts, "
        "cloud metadata and file:// paths (SSRF), whatever the page shows. A good refutation "
        "names where the value comes from (a fixed template, a host allow-list) and its line."
    ),
    ARGUMENT: (
        "Asked because a program run without a shell still parses its arguments: a value that "
        "starts with `-` becomes an option, and git, ssh, rsync, tar, find, curl and zip have "
        "options that run commands or write files (`--upload-pack=`, `-oProxyCommand=`, "
        "`--checkpoint-action=`, `-exec`), while git also runs `ext::` URLs. A good refutation "
        "names the `--` that ends the options before the value, or the check that it does not "
        "start with `-` (and, for a URL, the scheme allow-list), with its line."
    ),
    QUERY: (
        "Asked because a value concatenated into a query string without encoding can add "
        "parameters of its own (`1&role=admin`) or cut the rest off (`#`), and the other service "
        "reads them as the server's. A good refutation names the encoding (URLEncoder.encode, "
        "encodeURIComponent, URLSearchParams, urlencode, url.Values) and its line."
    ),
}


def assumption_rationale(kind: str) -> str:
    """Why a challenge of `kind` is asked and what a good refutation names."""
    return _RATIONALE.get(kind, "")


@dataclass(frozen=True)
class AssumptionSource:
    """One file to read: its text at head and the new-side line numbers an AI wrote."""

    path: str
    text: str
    ai_lines: frozenset[int]
    language: str | None = None


@dataclass(frozen=True)
class Assumption:
    key: str
    kind: str
    path: str
    line: int
    code: str
    prompt: str


@dataclass(frozen=True)
class Hit:
    kind: str
    line: int
    sink: str = ""
    subject: str = ""  # "`name` (line 12)" or "`name`"
    extra: str = ""


# --- text helpers --------------------------------------------------------------------------------


def name_text(text: str) -> str:
    text = " ".join(str(text).split()).replace("`", "'")
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def path_text(path: str) -> str:
    path = " ".join(path.split())
    return path if len(path) <= PATH_LIMIT else path[: PATH_LIMIT - 1] + "…"


def normalise_code(line: str) -> str:
    """A code line without its indentation and repeated blanks: moving code keeps its key."""
    return " ".join(line.split())


def assumption_key(kind: str, path: str, code: str, occurrence: int = 1) -> str:
    """`assumption:<kind>:<path>:<hash of the normalised line>`, the path hashed when too long."""
    line_hash = hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()[:16]
    suffix = "" if occurrence == 1 else f":{occurrence}"
    key = f"assumption:{kind}:{path}:{line_hash}{suffix}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    path_hash = hashlib.sha256(path.encode("utf-8")).hexdigest()
    return f"assumption:{kind}:sha256:{path_hash}:{line_hash}{suffix}"


def assumption_prompt(hit: Hit, path: str) -> str:
    where = f"in {path_text(path)}"
    sink = f"`{name_text(hit.sink)}`" if hit.sink else "this code"
    subject = hit.subject or "user input"
    line = hit.line
    if hit.kind == REGEX and hit.extra == "nested":
        return (
            f"The pattern in {sink} on line {line} (a nested quantifier) runs in linear time on "
            f"any input, no ReDoS ({where})."
        )
    if hit.kind == TEMPLATE and hit.extra == UNESCAPED:
        return (
            f"No value a user controls reaches the markup {sink} leaves unescaped on line {line} "
            f"({where})."
        )
    if hit.kind in _SINK_WORDS:
        words = _SINK_WORDS[hit.kind]
        if "(" in words:
            phrase, _, note = words.partition(" (")
            target = f"{phrase} {sink} ({note}"
        else:
            target = f"{words} {sink}"
        text = f"{subject} never reaches {target} on line {line} unchecked ({where})."
        return text[:1].upper() + text[1:]
    templates = {
        ERROR_DETAILS: f"the error details in {subject} returned on line {line} are safe to show "
        f"the client ({where}).",
        SECRET_COMPARE: f"comparing {subject} with `==` on line {line} need not be constant-time "
        f"({where}).",
        COOKIE_FLAGS: f"the cookie set by {sink} on line {line} needs no {hit.extra} ({where}).",
        UPLOAD: f"the upload {hit.subject or 'handled by ' + sink} on line {line} has bounded "
        f"size and type ({where}).",
        PARSE: f"{sink} of {subject} on line {line} always succeeds and stays in range ({where}).",
        TIMEOUT: f"the outbound call {sink} on line {line} needs no timeout ({where}).",
        AUTHZ: f"the new endpoint {subject} on line {line} needs no authentication or "
        f"permission check ({where}).",
        CRYPTO: f"{sink} on line {line} is an adequate choice of hash or cipher ({where}).",
        TLS_VERIFY: f"turning TLS certificate verification off in {sink} on line {line} is safe "
        f"({where}).",
        FILE_PERMISSIONS: f"the permissions {hit.extra} set by {sink} on line {line} are not too "
        f"open ({where}).",
        LOG_INPUT: f"logging {subject} with {sink} on line {line} is safe: no forged log lines, "
        f"no secrets in logs ({where}).",
        SIZE: f"{subject}, used as a size, limit or index by {sink} on line {line}, is bounded "
        f"(never negative, never huge) ({where}).",
        ERROR_SWALLOWED: f"the error swallowed on line {line} cannot hide a failed check or "
        f"leave data half-written ({where}).",
        TOCTOU: f"{subject} cannot change between the check and its use by {sink} on line "
        f"{line} ({where}).",
        RETRY: f"retrying {sink} on line {line} cannot apply it twice: it is idempotent or "
        f"keyed ({where}).",
        LOG_SENSITIVE: f"logging {subject} with {sink} on line {line} writes no secret or "
        f"personal data to the logs ({where}).",
        XXE: f"the XML parser of {sink} on line {line}"
        + (f", reading {hit.subject}," if hit.subject else "")
        + f" resolves no external entities or DTDs and bounds entity expansion ({where}).",
        WEAK_RANDOM: f"the value {sink} gives on line {line} is not a token, password, key or id "
        f"that must not be guessed ({where}).",
    }
    text = templates[hit.kind]
    return text[:1].upper() + text[1:]


# Endpoints that are public by design: signing in, out or up, and liveness probes. An
# "endpoint without an authorization check" challenge on them would ask the reviewer to refute
# what the endpoint is for.
_PUBLIC_BY_DESIGN = re.compile(
    r"(?:log_?in|log_?out|sign_?in|sign_?out|sign_?up|session|remember[-_]?me|"
    r"healthz?|health_?check|ping|readyz?|livez?|liveness|readiness)",
    re.IGNORECASE,
)
_ROUTE_PARAMETER = re.compile(r"^(?:\{.*\}|:.*|<.*>|\*.*)$")


def public_by_design(name: str) -> bool:
    """Whether an endpoint's route (its last segment that is not a parameter) or its handler's
    name says it signs users in or out or reports liveness."""
    segments = [
        segment
        for segment in name.strip("`'\" ").split("/")
        if segment and not _ROUTE_PARAMETER.match(segment)
    ]
    return bool(segments) and _PUBLIC_BY_DESIGN.fullmatch(segments[-1]) is not None
