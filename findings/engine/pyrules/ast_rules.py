"""Non-taint AST rules of the Python plugin: weak crypto, hard-coded credentials, cookie flags,
TLS verification, file modes. Each rule is a registered function; a new rule is a new entry."""

from __future__ import annotations

import ast
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from findings.engine.taint.engine import ModuleInfo


@dataclass(frozen=True)
class RuleHit:
    rule: str  # e.g. "weak-password-hash"
    cls: str
    cwe: int
    line: int
    end_line: int
    message: str
    confidence: str = "high"


Rule = Callable[[ast.Module, ModuleInfo], Iterator[RuleHit]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register an AST rule under `python.<name>`."""

    def decorate(function: Rule) -> Rule:
        RULES[name] = function
        return function

    return decorate


_PASSWORD = re.compile(r"pass(word|wd)?|pwd", re.IGNORECASE)
_SECURITY = re.compile(
    r"pass(word|wd)?|pwd|secret|token|sign|auth|session|otp|credential|api_?key|nonce|salt|reset"
    r"|csrf|captcha|verif|invite|coupon|pin_?code|one_?time",
    re.IGNORECASE,
)
_CREDENTIAL_NAME = re.compile(
    r"(^|_)(password|passwd|pwd|secret|api_?key|apikey|token|access_key|private_key|"
    r"client_secret|secret_key|auth_token|bearer)($|_)",
    re.IGNORECASE,
)
_NOT_CREDENTIAL = re.compile(
    r"url|uri|path|file|field|name|header|label|prefix|type|len|message|msg|pattern|regex|"
    r"format|endpoint|param|key_id|_id$|policy|hint|input|placeholder|template|env|var",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"changeme|change_me|example|xxx|your[_-]|dummy|placeholder|<|\$\{|\{\{|todo|redacted|\*\*\*",
    re.IGNORECASE,
)
_WEAK_HASHES = frozenset({"md5", "sha1", "md4", "md2", "sha"})
_FAST_HASHES = frozenset({"sha256", "sha512", "sha224", "sha384", "blake2b", "blake2s", "sha3_256"})
_WEAK_CIPHERS = frozenset(
    {
        "Crypto.Cipher.DES.new",
        "Crypto.Cipher.DES3.new",
        "Crypto.Cipher.ARC4.new",
        "Crypto.Cipher.Blowfish.new",
        "Crypto.Cipher.ARC2.new",
        "Cryptodome.Cipher.DES.new",
        "Cryptodome.Cipher.ARC4.new",
        "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES",
        "cryptography.hazmat.primitives.ciphers.algorithms.ARC4",
        "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
        "cryptography.hazmat.primitives.ciphers.algorithms.IDEA",
        "cryptography.hazmat.primitives.ciphers.modes.ECB",
    }
)
_RANDOM = frozenset(
    {
        "random.random",
        "random.randint",
        "random.choice",
        "random.choices",
        "random.getrandbits",
        "random.randrange",
        "random.sample",
        "random.uniform",
    }
)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _end(node: ast.AST) -> int:
    end: int | None = getattr(node, "end_lineno", None)
    return end or int(getattr(node, "lineno", 0))


def _context_names(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    """Names around a call: its arguments, the assignment target and the enclosing function."""
    names = [child.id for child in ast.walk(node) if isinstance(child, ast.Name)]
    names += [child.attr for child in ast.walk(node) if isinstance(child, ast.Attribute)]
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.Assign):
            names += [ast.unparse(target) for target in current.targets]
        elif isinstance(current, ast.Return | ast.AugAssign | ast.AnnAssign):
            pass
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(current.name)
            break
        current = parents.get(current)
    return " ".join(names)


def _names_of(node: ast.AST) -> str:
    """The names and attribute names in an expression, space-separated."""
    return " ".join(
        child.id if isinstance(child, ast.Name) else child.attr
        for child in ast.walk(node)
        if isinstance(child, ast.Name | ast.Attribute)
    )


def _calls(tree: ast.Module, module: ModuleInfo) -> Iterator[tuple[ast.Call, str]]:
    yield from module.calls


@rule("weak-hash")
def weak_hash(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """MD5/SHA-1 used for security, fast hashes for passwords, low PBKDF2 iterations."""
    for call, name in _calls(tree, module):
        algorithm = None
        if name.startswith("hashlib."):
            algorithm = name.split(".", 1)[1]
            if algorithm == "new" and call.args and isinstance(call.args[0], ast.Constant):
                algorithm = str(call.args[0].value).lower()
        if name in ("zlib.crc32", "zlib.adler32", "binascii.crc32") and call.args:
            if _PASSWORD.search(_names_of(call.args[0])):
                yield RuleHit(
                    "weak-password-hash",
                    "weak-crypto",
                    916,
                    call.lineno,
                    _end(call),
                    f"{name}, a checksum, used to hash a password",
                )
            continue
        if algorithm is None:
            continue
        if algorithm == "pbkdf2_hmac":
            iterations = call.args[3] if len(call.args) > 3 else _keyword(call, "iterations")
            if isinstance(iterations, ast.Constant) and isinstance(iterations.value, int):
                if iterations.value < 100_000:
                    yield RuleHit(
                        "weak-password-hash",
                        "weak-crypto",
                        916,
                        call.lineno,
                        _end(call),
                        f"PBKDF2 with only {iterations.value} iterations",
                    )
            continue
        context = _context_names(call, module.parents)
        used_for_security = _keyword(call, "usedforsecurity")
        off = isinstance(used_for_security, ast.Constant) and used_for_security.value is False
        if algorithm in _WEAK_HASHES and not off:
            if _PASSWORD.search(context):
                yield RuleHit(
                    "weak-password-hash",
                    "weak-crypto",
                    916,
                    call.lineno,
                    _end(call),
                    f"hashlib.{algorithm} used to hash a password",
                )
            elif _SECURITY.search(context):
                yield RuleHit(
                    "weak-hash",
                    "weak-crypto",
                    328,
                    call.lineno,
                    _end(call),
                    f"hashlib.{algorithm} used for a security value",
                )
            else:
                yield RuleHit(
                    "weak-hash",
                    "weak-crypto",
                    328,
                    call.lineno,
                    _end(call),
                    f"hashlib.{algorithm} without usedforsecurity=False",
                    confidence="medium",
                )
        elif algorithm in _FAST_HASHES and call.args:
            if _PASSWORD.search(_names_of(call.args[0])):
                yield RuleHit(
                    "weak-password-hash",
                    "weak-crypto",
                    916,
                    call.lineno,
                    _end(call),
                    f"a fast unsalted hashlib.{algorithm} used to hash a password",
                )


@rule("weak-cipher")
def weak_cipher(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """DES, 3DES, RC4, Blowfish, ECB mode and short RSA keys."""
    for node in module.of(ast.Call, ast.Attribute):
        if isinstance(node, ast.Call):
            name = module.qualname(node.func) or ""
            if name in _WEAK_CIPHERS:
                yield RuleHit(
                    "weak-cipher",
                    "weak-crypto",
                    327,
                    node.lineno,
                    _end(node),
                    f"weak cipher {name.rsplit('.', 2)[-2 if name.endswith('.new') else -1]}",
                )
            if name.endswith(("generate_private_key", "RSA.generate", "DSA.generate")):
                size = _keyword(node, "key_size") or _keyword(node, "bits")
                if size is None and node.args:
                    size = node.args[-1] if name.endswith("generate_private_key") else node.args[0]
                if (
                    isinstance(size, ast.Constant)
                    and isinstance(size.value, int)
                    and size.value < 2048
                ):
                    yield RuleHit(
                        "weak-key",
                        "weak-crypto",
                        326,
                        node.lineno,
                        _end(node),
                        f"{size.value}-bit key",
                    )
        elif isinstance(node, ast.Attribute) and node.attr == "MODE_ECB":
            yield RuleHit("weak-cipher", "weak-crypto", 327, node.lineno, _end(node), "ECB mode")


@rule("insecure-random")
def insecure_random(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """The `random` module used to make tokens, passwords, OTPs or salts."""
    for call, name in _calls(tree, module):
        if name in _RANDOM and _SECURITY.search(_context_names(call, module.parents)):
            yield RuleHit(
                "insecure-random",
                "weak-crypto",
                330,
                call.lineno,
                _end(call),
                f"{name} is predictable; used for a security value",
            )


def _credential_literal(name: str, value: ast.expr) -> bool:
    if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
        return False
    text = value.value
    if len(text) < 8 or " " in text.strip() or _PLACEHOLDER.search(text):
        return False
    if len(set(text)) < 4 or text.startswith(("http://", "https://", "/")):
        return False
    short = name.rsplit(".", 1)[-1].strip("'\"")
    return bool(_CREDENTIAL_NAME.search(short)) and not _NOT_CREDENTIAL.search(short)


@rule("hardcoded-credential")
def hardcoded_credential(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """String literals assigned to password/secret/api_key/token names."""
    kinds = (ast.Assign, ast.AnnAssign, ast.Call, ast.Dict, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in module.of(*kinds):
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(ast.unparse(target), node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(ast.unparse(node.target), node.value)]
        elif isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
        elif isinstance(node, ast.Dict):
            pairs = [
                (str(key.value), value)
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            ]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args.args[len(node.args.args) - len(node.args.defaults) :]
            pairs = [
                (arg.arg, default) for arg, default in zip(args, node.args.defaults, strict=True)
            ]
        for name, value in pairs:
            if isinstance(node, ast.Assign | ast.AnnAssign) and "[" in name:
                key = name.split("[", 1)[1].rstrip("]")
                name = key
            if _credential_literal(name, value):
                yield RuleHit(
                    "hardcoded-credential",
                    "hardcoded-credentials",
                    798,
                    value.lineno,
                    _end(value),
                    f"a literal credential is assigned to `{name[:60]}`",
                )


_COOKIE_SETTINGS = {
    "SESSION_COOKIE_SECURE": (False, 614),
    "CSRF_COOKIE_SECURE": (False, 614),
    "SESSION_COOKIE_HTTPONLY": (False, 1004),
    "REMEMBER_COOKIE_SECURE": (False, 614),
    "REMEMBER_COOKIE_HTTPONLY": (False, 1004),
    "SESSION_COOKIE_SAMESITE": (None, 1275),
}


@rule("cookie-flags")
def cookie_flags(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """set_cookie without secure/httponly/samesite, and settings that switch them off."""
    for node in module.of(ast.Call, ast.Assign):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("set_cookie", "set_signed_cookie"):
                if node.keywords and any(k.arg is None for k in node.keywords):
                    continue  # **options: the flags may be inside
                missing = []
                for flag, cwe in (("secure", 614), ("httponly", 1004), ("samesite", 1275)):
                    value = _keyword(node, flag)
                    if value is None or (
                        isinstance(value, ast.Constant) and value.value in (False, None)
                    ):
                        missing.append((flag, cwe))
                if missing:
                    flags = ", ".join(flag for flag, _ in missing)
                    yield RuleHit(
                        "cookie-flags",
                        "cookie-flags",
                        missing[0][1],
                        node.lineno,
                        _end(node),
                        f"cookie set without {flags}",
                    )
            if node.func.attr == "update":
                for keyword in node.keywords:
                    yield from _cookie_setting(keyword.arg or "", keyword.value)
        targets: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    targets.append((target.id, node.value))
                elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                    targets.append((str(target.slice.value), node.value))
        for name, value in targets:
            yield from _cookie_setting(name, value)


def _cookie_setting(name: str, value: ast.expr) -> Iterator[RuleHit]:
    if name in _COOKIE_SETTINGS and isinstance(value, ast.Constant):
        bad, cwe = _COOKIE_SETTINGS[name]
        if value.value is bad:
            yield RuleHit(
                "cookie-flags",
                "cookie-flags",
                cwe,
                value.lineno,
                _end(value),
                f"{name} = {value.value!r}",
            )


@rule("tls-verification-off")
def tls_off(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """verify=False, unverified SSL contexts, CERT_NONE and check_hostname=False."""
    for node in module.of(ast.Call, ast.Attribute, ast.Assign):
        if isinstance(node, ast.Call):
            verify = _keyword(node, "verify")
            if isinstance(verify, ast.Constant) and verify.value is False:
                yield RuleHit(
                    "tls-verification-off",
                    "tls-verification",
                    295,
                    node.lineno,
                    _end(node),
                    "certificate verification is switched off (verify=False)",
                )
            cert_reqs = _keyword(node, "cert_reqs")
            if isinstance(cert_reqs, ast.Constant) and cert_reqs.value in ("CERT_NONE", "NONE"):
                yield RuleHit(
                    "tls-verification-off",
                    "tls-verification",
                    295,
                    node.lineno,
                    _end(node),
                    f"cert_reqs={cert_reqs.value!r} accepts any certificate",
                )
            name = module.qualname(node.func) or ""
            if name in ("ssl._create_unverified_context", "ssl._create_stdlib_context"):
                yield RuleHit(
                    "tls-verification-off",
                    "tls-verification",
                    295,
                    node.lineno,
                    _end(node),
                    f"{name}() does not verify certificates",
                )
        elif isinstance(node, ast.Attribute) and node.attr == "CERT_NONE":
            yield RuleHit(
                "tls-verification-off",
                "tls-verification",
                295,
                node.lineno,
                _end(node),
                "ssl.CERT_NONE accepts any certificate",
            )
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in ("check_hostname", "verify")
                    and isinstance(node.value, ast.Constant)
                    and node.value.value is False
                ):
                    # `session.verify = False`: every request of a requests.Session
                    yield RuleHit(
                        "tls-verification-off",
                        "tls-verification",
                        295,
                        node.lineno,
                        _end(node),
                        f"{target.attr} = False",
                    )


def _mode_value(node: ast.expr | None, module: ModuleInfo) -> int | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _mode_value(node.left, module), _mode_value(node.right, module)
        return None if left is None or right is None else left | right
    name = module.qualname(node) or ""
    if name.startswith("stat.S_"):
        value = getattr(stat, name.split(".", 1)[1], None)
        return value if isinstance(value, int) else None
    return None


@rule("permissive-file-mode")
def permissive_mode(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """World-writable chmod/makedirs/open modes and umask(0)."""
    for call, name in _calls(tree, module):
        mode_node = None
        if name in ("os.chmod", "os.fchmod", "os.lchmod"):
            mode_node = call.args[1] if len(call.args) > 1 else _keyword(call, "mode")
        elif name in ("os.makedirs", "os.mkdir"):
            mode_node = call.args[1] if len(call.args) > 1 else _keyword(call, "mode")
        elif name == "os.open":
            mode_node = call.args[2] if len(call.args) > 2 else _keyword(call, "mode")
        elif isinstance(call.func, ast.Attribute) and call.func.attr in ("chmod", "mkdir", "touch"):
            mode_node = call.args[0] if call.args else _keyword(call, "mode")
        elif name == "os.umask":
            mask = _mode_value(call.args[0] if call.args else None, module)
            if mask is not None and not mask & 0o002:
                yield RuleHit(
                    "permissive-file-mode",
                    "file-permissions",
                    732,
                    call.lineno,
                    _end(call),
                    f"umask({oct(mask)}) leaves new files world-writable",
                )
            continue
        mode = _mode_value(mode_node, module)
        if mode is not None and mode & 0o002:
            yield RuleHit(
                "permissive-file-mode",
                "file-permissions",
                732,
                call.lineno,
                _end(call),
                f"mode {oct(mode)} is world-writable",
            )


# Protocol versions with known breaks (POODLE, BEAST) or deprecated by RFC 8996.
_OLD_PROTOCOLS = frozenset(
    {"PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1"}
)
_OLD_VERSIONS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1_1"})


@rule("weak-tls-protocol")
def weak_tls_protocol(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """A context pinned to SSLv2/3, TLS 1.0 or 1.1, or a version bound set to one of them."""
    for node in module.of(ast.Attribute, ast.Assign):
        if isinstance(node, ast.Attribute) and node.attr in _OLD_PROTOCOLS:
            if (module.qualname(node) or "").startswith("ssl."):
                yield RuleHit(
                    "weak-tls-protocol",
                    "weak-crypto",
                    327,
                    node.lineno,
                    _end(node),
                    f"ssl.{node.attr} is an outdated protocol version",
                )
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute):
            value = module.qualname(node.value) or ""
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in ("minimum_version", "maximum_version")
                    and value.startswith("ssl.TLSVersion.")
                    and value.rsplit(".", 1)[-1] in _OLD_VERSIONS
                ):
                    yield RuleHit(
                        "weak-tls-protocol",
                        "weak-crypto",
                        327,
                        node.lineno,
                        _end(node),
                        f"{target.attr} = {value}: an outdated protocol version is allowed",
                    )


def _none_algorithm(node: ast.expr | None) -> bool:
    if isinstance(node, ast.List | ast.Tuple):
        return any(_none_algorithm(element) for element in node.elts)
    return isinstance(node, ast.Constant) and (
        node.value is None or (isinstance(node.value, str) and node.value.lower() == "none")
    )


@rule("jwt-none-algorithm")
def jwt_none_algorithm(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """PyJWT/python-jose tokens signed, or accepted, with the "none" algorithm (no signature)."""
    for call, name in _calls(tree, module):
        if name not in ("jwt.encode", "jwt.decode", "jose.jwt.encode", "jose.jwt.decode"):
            continue
        if name.endswith("encode"):
            algorithm = _keyword(call, "algorithm")
            if algorithm is None and len(call.args) > 2:
                algorithm = call.args[2]
            # PyJWT's encode takes algorithm=None as "none"; left out, it is HS256.
            explicit = algorithm is not None
        else:
            algorithm = _keyword(call, "algorithms")
            explicit = algorithm is not None
        if explicit and _none_algorithm(algorithm):
            yield RuleHit(
                "jwt-none-algorithm",
                "weak-crypto",
                327,
                call.lineno,
                _end(call),
                f'{name} with the "none" algorithm: the token carries no signature',
            )


def _formatted_before(node: ast.expr) -> bool:
    """A string already formatted with a value that is not a literal: an f-string with a
    placeholder, `"..." % value`, `"..." + value` or `"...".format(value)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(value, ast.FormattedValue) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal_string(node.left) and not _literal_string(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_string(node.left), _literal_string(node.right)
        return left != right or (not left and _formatted_before(node.left))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (
            node.func.attr == "format"
            and _literal_string(node.func.value)
            and bool(node.args or node.keywords)
        )
    return False


def _literal_string(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal_string(node.left) and _literal_string(node.right)
    return False


@rule("format-html-preformatted")
def format_html_preformatted(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """Django's format_html given a template that is already formatted: it escapes only the
    arguments it is given, so what went into the template beforehand is not escaped."""
    for call, name in _calls(tree, module):
        if name != "django.utils.html.format_html" or not call.args:
            continue
        if _formatted_before(call.args[0]):
            yield RuleHit(
                "format-html-preformatted",
                "xss",
                79,
                call.lineno,
                _end(call),
                "format_html's template is formatted before the call, so the values put into "
                "it are not escaped; pass them as format_html's own arguments",
            )


@rule("autoescape-off")
def autoescape_off(tree: ast.Module, module: ModuleInfo) -> Iterator[RuleHit]:
    """Template autoescaping switched off: Django's TEMPLATES OPTIONS or a context with
    `"autoescape": False`, `Engine(autoescape=False)`, Jinja2's `Environment(autoescape=False)`.
    Every value a template then prints is raw HTML."""
    for node in module.of(ast.Dict, ast.Call):
        if isinstance(node, ast.Dict):
            values = [
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "autoescape"
            ]
        else:
            values = [k.value for k in node.keywords if k.arg == "autoescape"]
        for value in values:
            if isinstance(value, ast.Constant) and value.value is False:
                yield RuleHit(
                    "autoescape-off",
                    "xss",
                    79,
                    value.lineno,
                    _end(value),
                    "template autoescaping is switched off: every value the template prints "
                    "is raw HTML",
                )
