"""The classes the Python engine reports: CWE, severity, title and the secure alternative.

A class is a row of `CLASSES`; sinks and AST rules name a class by its key, never repeat its CWE.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VulnClass:
    key: str
    cwe: int
    severity: str
    title: str
    guidance: str


CLASSES: dict[str, VulnClass] = {
    entry.key: entry
    for entry in (
        VulnClass(
            "sqli",
            89,
            "high",
            "SQL injection",
            "Pass values as query parameters with a constant SQL string "
            '(cursor.execute("... WHERE id = %s", (value,))) or use the ORM; pick identifiers '
            "from an allow-list.",
        ),
        VulnClass(
            "path-traversal",
            22,
            "high",
            "Path traversal",
            "Resolve the path (os.path.realpath / Path.resolve()) and check it stays under the "
            "base directory (is_relative_to / commonpath), or use werkzeug's secure_filename / "
            "send_from_directory.",
        ),
        VulnClass(
            "command-injection",
            78,
            "critical",
            "OS command injection",
            "Call subprocess.run([...]) with a list of arguments and shell=False; quote with "
            "shlex.quote() only when a shell is unavoidable; validate against an allow-list.",
        ),
        VulnClass(
            "code-injection",
            94,
            "critical",
            "Code injection",
            "Never eval/exec/compile input: parse literals with ast.literal_eval() or json, and "
            "map input to behaviour with a dict of allowed operations.",
        ),
        VulnClass(
            "xpath-injection",
            643,
            "high",
            "XPath injection",
            'Keep the XPath expression constant and pass input as a variable (tree.xpath("//user'
            '[@name=$name]", name=value)), or check it against an allow-list.',
        ),
        VulnClass(
            "ldap-injection",
            90,
            "high",
            "LDAP injection",
            "Escape input with ldap.filter.escape_filter_chars / ldap3.utils.conv."
            "escape_filter_chars (or build the filter with ldap.filter.filter_format) before it "
            "goes into a search filter or DN.",
        ),
        VulnClass(
            "trust-boundary",
            501,
            "medium",
            "Trust boundary violation",
            "Validate request data (type, range, allow-list) before storing it in the session: "
            "code that later reads the session trusts it as the server's own.",
        ),
        VulnClass(
            "input-validation",
            20,
            "medium",
            "Missing input validation",
            "Check the parsed value's range before use (0 <= index < len(items), amount > 0 and "
            "within limits) and reject everything else with a 400.",
        ),
        VulnClass(
            "deserialization",
            502,
            "critical",
            "Unsafe deserialization",
            "Never unpickle or yaml.load untrusted data: use json, yaml.safe_load(), "
            "torch.load(..., weights_only=True) or a schema-validated format.",
        ),
        VulnClass(
            "redos",
            1333,
            "medium",
            "Regular expression denial of service",
            "Never compile a pattern from input (re.escape() it if it must be literal text) and "
            "avoid nested or overlapping quantifiers such as (a+)+; bound the input length.",
        ),
        VulnClass(
            "error-disclosure",
            209,
            "medium",
            "Error details sent to the client",
            "Log the exception server-side (logger.exception) and return a generic message with "
            "an error id; never return str(e), repr(e) or a traceback.",
        ),
        VulnClass(
            "xss",
            79,
            "high",
            "Cross-site scripting",
            "Render through an autoescaping template, or escape with markupsafe.escape / "
            "django.utils.html.format_html; never mark_safe/Markup/|safe on user data.",
        ),
        VulnClass(
            "ssrf",
            918,
            "high",
            "Server-side request forgery",
            "Fetch only URLs whose scheme and host (urlparse(url).hostname) are in an allow-list, "
            "or build the URL from a fixed base and an escaped path.",
        ),
        VulnClass(
            "open-redirect",
            601,
            "medium",
            "Open redirect",
            "Redirect only to relative paths or hosts in an allow-list "
            "(django.utils.http.url_has_allowed_host_and_scheme, urlparse(url).netloc check); "
            "otherwise use url_for / a fixed page.",
        ),
        VulnClass(
            "xxe",
            611,
            "high",
            "XML external entity expansion",
            "Parse untrusted XML with defusedxml, or an lxml XMLParser(resolve_entities=False, "
            "no_network=True).",
        ),
        VulnClass(
            "log-injection",
            117,
            "low",
            "Log injection",
            'Pass user data as logging arguments (logger.info("user %s", name)) with newlines '
            "stripped or repr()-escaped, never inside the message string.",
        ),
        VulnClass(
            "weak-crypto",
            327,
            "high",
            "Weak cryptography",
            "Hash passwords with a KDF (argon2, bcrypt, scrypt, PBKDF2 with >= 600000 iterations); "
            "use SHA-256+ and AES-GCM; use the secrets module for tokens; pass "
            "usedforsecurity=False for non-security digests.",
        ),
        VulnClass(
            "hardcoded-credentials",
            798,
            "high",
            "Hard-coded credential",
            "Read secrets from the environment or a secret manager (os.environ[...]), never from "
            "source code; rotate the exposed value.",
        ),
        VulnClass(
            "cookie-flags",
            614,
            "medium",
            "Cookie without security flags",
            'Set cookies with secure=True, httponly=True and samesite="Lax" (or "Strict"); keep '
            "SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE True.",
        ),
        VulnClass(
            "unbounded-upload",
            434,
            "medium",
            "Upload without size or type limits",
            "Check the extension/content type against an allow-list and bound the size "
            "(MAX_CONTENT_LENGTH, request.content_length, file.size) before saving; store under a "
            "generated name.",
        ),
        VulnClass(
            "timing-compare",
            208,
            "medium",
            "Timing-unsafe secret comparison",
            "Compare secrets, tokens and signatures with hmac.compare_digest(), never ==.",
        ),
        VulnClass(
            "tls-verification",
            295,
            "high",
            "TLS certificate verification disabled",
            "Keep verification on (verify=True, ssl.create_default_context()); pin a CA bundle "
            "with verify=/path/to/ca.pem if needed.",
        ),
        VulnClass(
            "file-permissions",
            732,
            "medium",
            "Permissive file permissions",
            "Give files the narrowest mode they need (0o600 / 0o640, directories 0o750); never "
            "world-writable, never umask(0).",
        ),
    )
}
