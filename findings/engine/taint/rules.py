"""The taint tables: sources, sinks and sanitizers. A new rule is a new entry here, not a branch.

Names are resolved through the file's imports (`from flask import redirect` makes `redirect` mean
`flask.redirect`); `*.name` matches a method of that name on any receiver.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from findings.engine.syntax.pystrings import (
    built_string,
    fixed_program,
    literal_text,
    runs_shell_string,
)

INPUT = "input"
ERROR = "error"

ALL = "*"
# int()/float() remove every injection class but the value is still an unchecked number.
ALL_BUT_VALIDATION = "*-validation"
NORMALIZED = "~normalized"
NUMERIC = "~numeric"
RELATIVE = "~relative"
NO_DOUBLE_SLASH = "~no-double-slash"

# Attributes of a request object that carry client data (Flask, Django, Starlette/FastAPI).
REQUEST_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "args", "form", "values", "json", "get_json", "data", "get_data", "files", "cookies",
        "headers", "view_args", "GET", "POST", "body", "FILES", "COOKIES", "META", "query_params",
        "path_params", "query_string", "url", "full_path", "path", "referrer", "user_agent",
        "stream", "content", "raw_post_data", "params", "match_info", "query",
        "arguments", "query_arguments", "body_arguments", "uri",
    }
)  # fmt: skip
# Methods of a request object whose result is client data: webapp2's `self.request.get("q")`.
REQUEST_METHODS: frozenset[str] = frozenset(
    {"get", "get_all", "get_json", "get_data", "json", "body", "form"}
)
# Methods of a Tornado RequestHandler (`self.get_argument("q")`) that read the client's values.
HANDLER_INPUT_METHODS: frozenset[str] = frozenset(
    {
        "get_argument", "get_arguments", "get_query_argument", "get_query_arguments",
        "get_body_argument", "get_body_arguments", "get_cookie",
    }
)  # fmt: skip
UPLOAD_ATTRIBUTES: frozenset[str] = frozenset({"files", "FILES"})
# What a bound Django form holds after validation: the client's values, typed by the form's
# fields (a CharField's value is any string), on whatever object the form is.
FORM_DATA_ATTRIBUTES: frozenset[str] = frozenset({"cleaned_data", "validated_data", "initial_data"})
# `.data` of an object named as a form (`form.data`, `login_form.data`: a bound Django form's
# raw values) or of a form's field (`form.email.data`, WTForms).
FORM_NAME_SUFFIX = "form"
REQUEST_NAMES: frozenset[str] = frozenset({"request", "req"})
# Frameworks' module-level request objects, by qualified name (`import flask; flask.request`).
REQUEST_OBJECTS: frozenset[str] = frozenset(
    {"flask.request", "quart.request", "bottle.request", "sanic.request"}
)
REQUEST_TYPES: frozenset[str] = frozenset({"Request", "HttpRequest", "WSGIRequest"})
UPLOAD_TYPES: frozenset[str] = frozenset({"UploadFile"})
# Parameters of a handler that the framework fills from the server, not from the client.
NON_INPUT_PARAM_TYPES: frozenset[str] = frozenset(
    {
        "Request",
        "HttpRequest",
        "Session",
        "BackgroundTasks",
        "Response",
        "WebSocket",
        "AsyncSession",
    }
)
NON_INPUT_PARAMS: frozenset[str] = frozenset(
    {"self", "cls", "request", "req", "db", "session", "context"}
)
# Decorator attribute names that make a function a request handler.
HANDLER_DECORATORS: frozenset[str] = frozenset(
    {
        "route", "get", "post", "put", "patch", "delete", "head", "options", "websocket",
        "api_route", "api_view", "require_http_methods", "require_GET", "require_POST",
        "require_safe", "csrf_exempt", "view",
    }
)  # fmt: skip
CLASS_VIEW_METHODS: frozenset[str] = frozenset(
    {"get", "post", "put", "patch", "delete", "dispatch"}
)

# Calls whose result is client or outside data.
SOURCE_CALLS: dict[str, str] = {
    "os.getenv": "os.getenv",
    "os.environ.get": "os.environ",
    "input": "input()",
    "sys.stdin.read": "sys.stdin",
    "sys.stdin.readline": "sys.stdin",
    "sys.stdin.readlines": "sys.stdin",
    "*.recv": "socket recv",
    "*.recvfrom": "socket recv",
    "*.recv_json": "socket recv",
}
SOURCE_ATTRIBUTES: dict[str, str] = {"os.environ": "os.environ", "sys.argv": "sys.argv"}
FILE_READ_METHODS: frozenset[str] = frozenset(
    {"read", "readline", "readlines", "read_text", "read_bytes"}
)
FILE_OPENERS: frozenset[str] = frozenset({"open", "io.open", "pathlib.Path", "builtins.open"})


@dataclass(frozen=True)
class Sanitizer:
    """A call whose result no longer carries the listed classes (or `ALL`), plus markers."""

    clears: frozenset[str] = frozenset()
    adds: frozenset[str] = frozenset()


def _s(*clears: str, adds: tuple[str, ...] = ()) -> Sanitizer:
    return Sanitizer(clears=frozenset(clears), adds=frozenset(adds))


SANITIZERS: dict[str, Sanitizer] = {
    "int": _s(ALL_BUT_VALIDATION, adds=(NUMERIC,)),
    "float": _s(ALL_BUT_VALIDATION, adds=(NUMERIC,)),
    "decimal.Decimal": _s(ALL_BUT_VALIDATION, adds=(NUMERIC,)),
    "uuid.UUID": _s(ALL),
    "len": _s(ALL),
    "bool": _s(ALL),
    "isinstance": _s(ALL),
    "hasattr": _s(ALL),
    "callable": _s(ALL),
    "hash": _s(ALL),
    "id": _s(ALL),
    "hmac.compare_digest": _s(ALL),
    "secrets.compare_digest": _s(ALL),
    "flask.url_for": _s(ALL),
    "django.urls.reverse": _s(ALL),
    "django.shortcuts.resolve_url": _s(ALL),
    "os.path.exists": _s(ALL),
    "os.path.isfile": _s(ALL),
    "os.path.isdir": _s(ALL),
    "shlex.quote": _s("command-injection"),
    "pipes.quote": _s("command-injection"),
    "werkzeug.utils.secure_filename": _s("path-traversal"),
    "werkzeug.secure_filename": _s("path-traversal"),
    "werkzeug.utils.safe_join": _s("path-traversal"),
    "werkzeug.security.safe_join": _s("path-traversal"),
    "flask.safe_join": _s("path-traversal"),
    "os.path.basename": _s("path-traversal"),
    "os.path.realpath": _s(adds=(NORMALIZED,)),
    "os.path.abspath": _s(adds=(NORMALIZED,)),
    "os.path.normpath": _s(adds=(NORMALIZED,)),
    "*.resolve": _s(adds=(NORMALIZED,)),
    "html.escape": _s("xss", "log-injection"),
    "markupsafe.escape": _s("xss"),
    "flask.escape": _s("xss"),
    "jinja2.escape": _s("xss"),
    "django.utils.html.escape": _s("xss"),
    "django.utils.html.format_html": _s("xss"),
    "django.utils.html.strip_tags": _s("xss"),
    "bleach.clean": _s("xss"),
    "nh3.clean": _s("xss"),
    "lxml.html.clean.clean_html": _s("xss"),
    # html-sanitizer's Sanitizer().sanitize(value), and sanitizers written the same way.
    "*.sanitize": _s("xss"),
    # Autoescaping template renderers: what they return is already escaped HTML.
    "flask.render_template": _s("xss"),
    "django.template.loader.render_to_string": _s("xss"),
    "cgi.escape": _s("xss"),
    "re.escape": _s("redos"),
    "json.dumps": _s("log-injection"),
    "repr": _s("log-injection"),
    "defusedxml.ElementTree.fromstring": _s("xxe"),
    "defusedxml.lxml.fromstring": _s("xxe"),
    "urllib.parse.quote": _s("path-traversal", "command-injection", "log-injection"),
    "ldap.filter.escape_filter_chars": _s("ldap-injection"),
    "ldap.filter.filter_format": _s(ALL),
    "ldap.dn.escape_dn_chars": _s("ldap-injection"),
    "ldap3.utils.conv.escape_filter_chars": _s("ldap-injection"),
    "ldap3.utils.dn.escape_rdn": _s("ldap-injection"),
    "ast.literal_eval": _s("code-injection"),
    # Drivers' own quoting: the result is an SQL literal (pymysql/MySQLdb escape_string,
    # mysql-connector's converter.escape, psycopg2's adapt(x).getquoted(), psycopg2.sql).
    "*.escape_string": _s("sqli"),
    "*.escape_literal": _s("sqli"),
    "*.escape": _s("sqli"),
    "*.getquoted": _s("sqli"),
    "psycopg2.sql.Literal": _s("sqli"),
    "psycopg2.sql.Identifier": _s("sqli"),
    "psycopg.sql.Literal": _s("sqli"),
    "psycopg.sql.Identifier": _s("sqli"),
}
# A str.replace/re.sub that removes these characters neutralises log forging.
LOG_BREAKERS = ("\n", "\r", "\\n", "\\r")


Condition = Callable[[ast.Call, "object"], bool]


@dataclass(frozen=True)
class Sink:
    """A call that is dangerous when the listed arguments (or the receiver) carry taint."""

    cls: str
    args: tuple[int, ...] = (0,)
    kwargs: tuple[str, ...] = ()
    receiver: bool = False
    # Extra requirement on the call (shell=True, no safe loader...); receives the engine's view.
    condition: Condition | None = None
    # Dangerous whatever the argument's provenance (pickle of anything not a literal).
    intrinsic: bool = False
    # Only upload data (request.files / UploadFile) counts.
    upload: bool = False
    # The position of the program run (os.exec*/os.spawn*): its other arguments count too when
    # the program is a shell given `-c` (os.execl("/bin/sh", "sh", "-c", text)).
    program: int | None = None


def keyword_argument(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _shell_or_string(call: ast.Call, view: Any) -> bool:
    if _is_true(keyword_argument(call, "shell")):
        return True
    command = call.args[0] if call.args else keyword_argument(call, "args")
    if command is not None and view.is_sequence(command):
        # Without a shell the list is safe from injection unless input picks the program.
        return runs_shell_string([command]) or bool(view.program_taint(command))
    # A string without a shell is one program's name: input decides it only from the start.
    return command is not None and not fixed_program(command)


def _textual_clause(call: ast.Call, view: Any) -> bool:
    """SQLAlchemy's Query.filter/where/having/group_by given a string it reads as SQL text.
    Django's filter() takes keywords and Q objects, so a built string there is not Django's."""
    return bool(call.args) and built_string(call.args[0])


def _textual_ordering(call: ast.Call, view: Any) -> bool:
    """order_by/distinct given built text with SQL in it ("{} DESC", "name={}"): Django reads a
    bare field name ("-" + field) and rejects anything else, so only SQL punctuation counts."""
    if not call.args or not built_string(call.args[0]):
        return False
    literal = literal_text(call.args[0]).lstrip("-")
    return any(not (char.isalnum() or char in "_.") for char in literal)


def _unsafe_yaml(call: ast.Call, view: Any) -> bool:
    loader = keyword_argument(call, "Loader")
    if loader is None and len(call.args) > 1:
        loader = call.args[1]
    if loader is None:
        return True
    name = ast.unparse(loader).rsplit(".", 1)[-1]
    return name not in {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def _torch_unsafe(call: ast.Call, view: Any) -> bool:
    return not _is_true(keyword_argument(call, "weights_only"))


def _numpy_pickle(call: ast.Call, view: Any) -> bool:
    return _is_true(keyword_argument(call, "allow_pickle"))


def _lxml_unsafe(call: ast.Call, view: Any) -> bool:
    parser = keyword_argument(call, "parser")
    if parser is None and len(call.args) > 1:
        parser = call.args[1]
    return parser is None or not view.is_safe_parser(parser)


def _receiver_kind(call: ast.Call, view: Any) -> str:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return ""
    return str(view.kind_of(func.value) or "")


def _xml_tree(call: ast.Call, view: Any) -> bool:
    """An ElementTree/lxml element or tree: `findall` on anything else is str/list lookup."""
    return _receiver_kind(call, view).startswith(XML_TREE_KINDS)


def _ldap_connection(call: ast.Call, view: Any) -> bool:
    """An ldap3 Connection or a python-ldap object: `search` on anything else is a regex."""
    return _receiver_kind(call, view).startswith(("ldap3", "ldap."))


_SQL = Sink("sqli")
_PATH = Sink("path-traversal")
_PATH2 = Sink("path-traversal", args=(0, 1))
_CMD = Sink("command-injection")
_SUBPROCESS = Sink("command-injection", kwargs=("args",), condition=_shell_or_string)
_DESER = Sink("deserialization", intrinsic=True)
_REGEX = Sink("redos", kwargs=("pattern",))
_SSRF = Sink("ssrf", kwargs=("url",))
_REDIRECT = Sink("open-redirect", kwargs=("url", "redirect_to", "to"))
_XSS = Sink("xss")
_XXE_LXML = Sink("xxe", condition=_lxml_unsafe)
_XXE = Sink("xxe")
_CODE = Sink("code-injection", kwargs=("source", "expression", "object"))
_XPATH = Sink("xpath-injection", kwargs=("_path", "path"))
_XPATH_TREE = Sink("xpath-injection", kwargs=("path",), condition=_xml_tree)
_LDAP_SEARCH = Sink("ldap-injection", args=(0, 2), kwargs=("base", "filterstr"))
_LDAP3_SEARCH = Sink(
    "ldap-injection",
    args=(0, 1),
    kwargs=("search_base", "search_filter"),
    condition=_ldap_connection,
)
# Kinds (what a name was assigned from) that are XML trees or elements.
XML_TREE_KINDS = ("xml.etree", "lxml.etree", "defusedxml", "xml-tree")

SINKS: dict[str, Sink] = {
    "*.execute": _SQL,
    "*.executemany": _SQL,
    "*.executescript": _SQL,
    "*.raw": _SQL,
    "*.extra": Sink("sqli", args=(0, 1, 2), kwargs=("select", "where", "tables", "order_by")),
    "*.read_sql": _SQL,
    **{
        f"*.{name}": Sink("sqli", condition=_textual_clause)
        for name in ("filter", "where", "having", "group_by")
    },
    **{f"*.{name}": Sink("sqli", condition=_textual_ordering) for name in ("order_by", "distinct")},
    "*.read_sql_query": _SQL,
    "sqlalchemy.text": _SQL,
    "sqlalchemy.sql.text": _SQL,
    "django.db.models.expressions.RawSQL": _SQL,
    "django.db.models.RawSQL": _SQL,
    "open": Sink("path-traversal", kwargs=("file",)),
    "io.open": _PATH,
    "builtins.open": _PATH,
    "os.remove": _PATH,
    "os.unlink": _PATH,
    "os.rmdir": _PATH,
    "os.removedirs": _PATH,
    "os.listdir": _PATH,
    "os.makedirs": _PATH,
    "os.rename": _PATH2,
    "os.replace": _PATH2,
    "shutil.rmtree": _PATH,
    "shutil.copy": _PATH2,
    "shutil.copy2": _PATH2,
    "shutil.copyfile": _PATH2,
    "shutil.move": _PATH2,
    "flask.send_file": Sink("path-traversal", kwargs=("path_or_file",)),
    "flask.send_from_directory": Sink("path-traversal", kwargs=("directory",)),
    "django.http.FileResponse": _PATH,
    "pathlib.Path.read_text": Sink("path-traversal", args=(), receiver=True),
    "pathlib.Path.read_bytes": Sink("path-traversal", args=(), receiver=True),
    "pathlib.Path.write_text": Sink("path-traversal", args=(), receiver=True),
    "pathlib.Path.write_bytes": Sink("path-traversal", args=(), receiver=True),
    "pathlib.Path.open": Sink("path-traversal", args=(), receiver=True),
    "pathlib.Path.unlink": Sink("path-traversal", args=(), receiver=True),
    "*.save": Sink("path-traversal", kwargs=("dst",)),
    "os.system": _CMD,
    "os.popen": _CMD,
    "commands.getoutput": _CMD,
    "subprocess.getoutput": _CMD,
    "subprocess.getstatusoutput": _CMD,
    "subprocess.run": _SUBPROCESS,
    "subprocess.call": _SUBPROCESS,
    "subprocess.Popen": _SUBPROCESS,
    "subprocess.check_output": _SUBPROCESS,
    "subprocess.check_call": _SUBPROCESS,
    "asyncio.create_subprocess_shell": _CMD,
    "asyncio.create_subprocess_exec": Sink("command-injection", program=0),
    "asyncio.subprocess.create_subprocess_shell": _CMD,
    "asyncio.subprocess.create_subprocess_exec": Sink("command-injection", program=0),
    # An event loop's own process calls take a protocol factory first.
    "*.subprocess_shell": Sink("command-injection", args=(1,), kwargs=("cmd",)),
    "*.subprocess_exec": Sink("command-injection", args=(1,), program=1),
    **{
        f"os.{name}": Sink("command-injection", program=0)
        for name in (
            "execl",
            "execle",
            "execlp",
            "execlpe",
            "execv",
            "execve",
            "execvp",
            "execvpe",
            "posix_spawn",
            "posix_spawnp",
        )
    },
    **{
        f"os.{name}": Sink("command-injection", args=(1,), program=1)
        for name in (
            "spawnl",
            "spawnle",
            "spawnlp",
            "spawnlpe",
            "spawnv",
            "spawnve",
            "spawnvp",
            "spawnvpe",
        )
    },
    "*.callproc": _SQL,
    # Importing a module the client names runs that module's code.
    "importlib.import_module": Sink("code-injection", kwargs=("name",)),
    "__import__": Sink("code-injection", kwargs=("name",)),
    "builtins.__import__": Sink("code-injection", kwargs=("name",)),
    "os.mkdir": _PATH,
    "os.chmod": _PATH,
    "os.chown": _PATH,
    "os.truncate": _PATH,
    "os.symlink": _PATH2,
    "os.link": _PATH2,
    "shutil.copytree": _PATH2,
    "django.core.files.storage.FileSystemStorage": Sink("path-traversal", kwargs=("location",)),
    "pickle.loads": _DESER,
    "pickle.load": _DESER,
    "cPickle.loads": _DESER,
    "_pickle.loads": _DESER,
    "dill.loads": _DESER,
    "dill.load": _DESER,
    "marshal.loads": _DESER,
    "marshal.load": _DESER,
    "shelve.open": _DESER,
    "jsonpickle.decode": _DESER,
    "pandas.read_pickle": _DESER,
    "yaml.load": Sink("deserialization", intrinsic=True, condition=_unsafe_yaml),
    "yaml.load_all": Sink("deserialization", intrinsic=True, condition=_unsafe_yaml),
    "yaml.unsafe_load": _DESER,
    "yaml.full_load": _DESER,
    "torch.load": Sink("deserialization", intrinsic=True, condition=_torch_unsafe),
    "numpy.load": Sink("deserialization", intrinsic=True, condition=_numpy_pickle),
    "re.compile": _REGEX,
    "re.match": _REGEX,
    "re.search": _REGEX,
    "re.fullmatch": _REGEX,
    "re.findall": _REGEX,
    "re.finditer": _REGEX,
    "re.sub": _REGEX,
    "re.subn": _REGEX,
    "re.split": _REGEX,
    "regex.compile": _REGEX,
    "requests.get": _SSRF,
    "requests.post": _SSRF,
    "requests.put": _SSRF,
    "requests.patch": _SSRF,
    "requests.delete": _SSRF,
    "requests.head": _SSRF,
    "requests.options": _SSRF,
    "requests.request": Sink("ssrf", args=(1,), kwargs=("url",)),
    "requests.Session.get": _SSRF,
    "requests.Session.post": _SSRF,
    "requests.Session.request": Sink("ssrf", args=(1,), kwargs=("url",)),
    "httpx.get": _SSRF,
    "httpx.post": _SSRF,
    "httpx.put": _SSRF,
    "httpx.delete": _SSRF,
    "httpx.stream": Sink("ssrf", args=(1,), kwargs=("url",)),
    "httpx.request": Sink("ssrf", args=(1,), kwargs=("url",)),
    "httpx.Client.get": _SSRF,
    "httpx.Client.post": _SSRF,
    "httpx.AsyncClient.get": _SSRF,
    "httpx.AsyncClient.post": _SSRF,
    "aiohttp.ClientSession.get": _SSRF,
    "aiohttp.ClientSession.post": _SSRF,
    "urllib.request.urlopen": _SSRF,
    "urllib.request.Request": _SSRF,
    "urllib.urlopen": _SSRF,
    "flask.redirect": _REDIRECT,
    "werkzeug.utils.redirect": _REDIRECT,
    "django.shortcuts.redirect": _REDIRECT,
    "django.http.HttpResponseRedirect": _REDIRECT,
    "django.http.HttpResponsePermanentRedirect": _REDIRECT,
    "fastapi.responses.RedirectResponse": _REDIRECT,
    "starlette.responses.RedirectResponse": _REDIRECT,
    "django.utils.safestring.mark_safe": _XSS,
    "django.utils.safestring.SafeString": _XSS,
    "markupsafe.Markup": _XSS,
    "flask.Markup": _XSS,
    "jinja2.Markup": _XSS,
    "flask.render_template_string": Sink("xss", kwargs=("source",)),
    "jinja2.Template": _XSS,
    # A template compiled from input (server-side template injection): the client writes the
    # template, so it renders whatever markup (and in Jinja2 and Mako runs whatever code) it has.
    "jinja2.Environment.from_string": _XSS,
    "django.template.Template": _XSS,
    "django.template.Engine.from_string": _XSS,
    "mako.template.Template": _XSS,
    "lxml.etree.parse": _XXE_LXML,
    "lxml.etree.fromstring": _XXE_LXML,
    "lxml.etree.XML": _XXE_LXML,
    "xml.dom.minidom.parseString": _XXE,
    "xml.dom.minidom.parse": _XXE,
    "xml.dom.pulldom.parseString": _XXE,
    "xml.sax.parseString": _XXE,
    "xml.sax.parse": _XXE,
    "*.copyfileobj": Sink("unbounded-upload", upload=True),
    # Code injection (CWE-94/95): the string is run as Python.
    "eval": _CODE,
    "exec": _CODE,
    "compile": _CODE,
    "builtins.eval": _CODE,
    "builtins.exec": _CODE,
    "builtins.compile": _CODE,
    # XPath injection (CWE-643): input inside the expression; `$name` variables are the fix.
    "*.xpath": _XPATH,
    "lxml.etree.XPath": _XPATH,
    "lxml.etree.ETXPath": _XPATH,
    "*.findall": _XPATH_TREE,
    "*.find": _XPATH_TREE,
    "*.iterfind": _XPATH_TREE,
    "*.findtext": _XPATH_TREE,
    # LDAP injection (CWE-90): input inside the filter or base DN; escape_filter_chars is the fix.
    "*.search_s": _LDAP_SEARCH,
    "*.search_st": _LDAP_SEARCH,
    "*.search_ext": _LDAP_SEARCH,
    "*.search_ext_s": _LDAP_SEARCH,
    "*.search": _LDAP3_SEARCH,
    "*.paged_search": _LDAP3_SEARCH,
    # format_html escapes its arguments, not its format string (CWE-79).
    "django.utils.html.format_html": Sink("xss", kwargs=("format_string",)),
}
# HTTP clients (SSRF, CWE-918). A client object's kind is what it was built from
# (`s = requests.Session()`, `with httpx.Client() as c`), so `c.get(url)` resolves to
# "httpx.Client.get". Each family lists where its methods take the URL (or host and port).
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_HTTP_FAMILIES: dict[str, tuple[tuple[str, ...], dict[str, Sink]]] = {
    "session": (
        (
            "requests.Session", "requests.sessions.Session", "httpx.Client", "httpx.AsyncClient",
            "aiohttp.ClientSession",
        ),
        {
            **{verb: _SSRF for verb in _VERBS},
            "request": Sink("ssrf", args=(1,), kwargs=("url",)),
            "stream": Sink("ssrf", args=(1,), kwargs=("url",)),
            "ws_connect": _SSRF,
        },
    ),
    "pool": (
        (
            "urllib3.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPConnectionPool",
            "urllib3.HTTPSConnectionPool", "urllib3.connectionpool.HTTPConnectionPool",
            "urllib3.connectionpool.HTTPSConnectionPool", "urllib3.poolmanager.PoolManager",
        ),
        {
            "request": Sink("ssrf", args=(1,), kwargs=("url",)),
            "urlopen": Sink("ssrf", args=(1,), kwargs=("url",)),
            "request_encode_url": Sink("ssrf", args=(1,), kwargs=("url",)),
            "request_encode_body": Sink("ssrf", args=(1,), kwargs=("url",)),
            "connection_from_host": Sink("ssrf", args=(0, 1), kwargs=("host", "port")),
            "connection_from_url": _SSRF,
        },
    ),
    "connection": (
        (
            "http.client.HTTPConnection", "http.client.HTTPSConnection", "httplib.HTTPConnection",
            "httplib.HTTPSConnection", "urllib3.connection.HTTPConnection",
            "urllib3.connection.HTTPSConnection",
        ),
        {
            "request": Sink("ssrf", args=(1,), kwargs=("url",)),
            "putrequest": Sink("ssrf", args=(1,), kwargs=("url",)),
            "request_chunked": Sink("ssrf", args=(1,), kwargs=("url",)),
            "set_tunnel": Sink("ssrf", args=(0, 1), kwargs=("host", "port")),
        },
    ),
    "httplib2": (("httplib2.Http",), {"request": Sink("ssrf", kwargs=("uri",))}),
}  # fmt: skip
# Database drivers whose query methods are not named execute (SQL injection, CWE-89).
_DB_FAMILIES: dict[str, tuple[tuple[str, ...], dict[str, Sink]]] = {
    "asyncpg": (
        ("asyncpg.connect", "asyncpg.Connection", "asyncpg.create_pool", "asyncpg.Pool"),
        {name: _SQL for name in ("fetch", "fetchrow", "fetchval", "prepare", "cursor")},
    ),
    "pg8000": (
        ("pg8000.native.Connection", "pg8000.Connection"),
        {"run": Sink("sqli", kwargs=("sql",)), "prepare": _SQL},
    ),
}
# The kinds whose methods resolve by the object's kind (see the engine's call_name), and what the
# methods that hand out another client or connection return.
CLIENT_KINDS: frozenset[str] = frozenset(
    kind
    for families in (_HTTP_FAMILIES, _DB_FAMILIES)
    for kinds, _methods in families.values()
    for kind in kinds
)
CLIENT_RESULTS: dict[str, str] = {
    "acquire": "asyncpg.Connection",
    "connection_from_host": "urllib3.HTTPConnectionPool",
    "connection_from_url": "urllib3.HTTPConnectionPool",
    "connection_from_context": "urllib3.HTTPConnectionPool",
    "connection_from_pool_key": "urllib3.HTTPConnectionPool",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.connection_from_url": "urllib3.HTTPConnectionPool",
}
for _kinds, _methods in [*_HTTP_FAMILIES.values(), *_DB_FAMILIES.values()]:
    for _kind in _kinds:
        for _name, _sink in _methods.items():
            SINKS.setdefault(f"{_kind}.{_name}", _sink)
_HOST_PORT = Sink("ssrf", args=(0, 1), kwargs=("host", "port", "proxy"))
SINKS.update(
    {
        # Constructors and module functions that take where to connect.
        "requests.Request": Sink("ssrf", args=(1,), kwargs=("url",)),
        "requests.sessions.Request": Sink("ssrf", args=(1,), kwargs=("url",)),
        "httpx.Client": Sink("ssrf", args=(), kwargs=("base_url", "proxy", "proxies")),
        "httpx.AsyncClient": Sink("ssrf", args=(), kwargs=("base_url", "proxy", "proxies")),
        "httpx.head": _SSRF,
        "httpx.options": _SSRF,
        "httpx.patch": _SSRF,
        "aiohttp.ClientSession": Sink("ssrf", kwargs=("base_url",)),
        "aiohttp.request": Sink("ssrf", args=(1,), kwargs=("url",)),
        "urllib3.request": Sink("ssrf", args=(1,), kwargs=("url",)),
        "urllib3.ProxyManager": Sink("ssrf", kwargs=("proxy_url",)),
        "urllib3.connection_from_url": _SSRF,
        "urllib3.connectionpool.connection_from_url": _SSRF,
        "urllib3.HTTPConnectionPool": _HOST_PORT,
        "urllib3.HTTPSConnectionPool": _HOST_PORT,
        "urllib3.connectionpool.HTTPConnectionPool": _HOST_PORT,
        "urllib3.connectionpool.HTTPSConnectionPool": _HOST_PORT,
        "urllib3.connection.HTTPConnection": _HOST_PORT,
        "urllib3.connection.HTTPSConnection": _HOST_PORT,
        "http.client.HTTPConnection": _HOST_PORT,
        "http.client.HTTPSConnection": _HOST_PORT,
        "httplib.HTTPConnection": _HOST_PORT,
        "httplib.HTTPSConnection": _HOST_PORT,
        "ftplib.FTP": Sink("ssrf", kwargs=("host",)),
        "smtplib.SMTP": Sink("ssrf", kwargs=("host",)),
        "socket.create_connection": Sink("ssrf", kwargs=("address",)),
    }
)

# The logging methods of `logging` and of a logger.
LOG_METHODS: frozenset[str] = frozenset(
    {"debug", "info", "warning", "warn", "error", "critical", "exception", "fatal"}
)
for _method in sorted(LOG_METHODS):
    SINKS[f"logging.{_method}"] = Sink("log-injection", kwargs=("msg",))
    SINKS[f"logger.{_method}"] = Sink("log-injection", kwargs=("msg",))

# Response constructors: their body reaching the client matters for XSS and error disclosure.
RESPONSES: frozenset[str] = frozenset(
    {
        "flask.make_response", "flask.Response", "flask.jsonify", "werkzeug.Response",
        "werkzeug.wrappers.Response", "django.http.HttpResponse", "django.http.JsonResponse",
        "django.http.HttpResponseBadRequest", "django.http.HttpResponseServerError",
        "django.http.HttpResponseNotFound", "django.http.HttpResponseForbidden",
        "django.http.HttpResponseGone", "pyramid.response.Response",
        "rest_framework.response.Response",
        "fastapi.responses.JSONResponse", "fastapi.responses.PlainTextResponse",
        "fastapi.responses.HTMLResponse", "starlette.responses.JSONResponse",
        "starlette.responses.HTMLResponse", "starlette.responses.PlainTextResponse",
        "fastapi.HTTPException", "starlette.exceptions.HTTPException", "flask.abort",
        "werkzeug.exceptions.abort", "flask.render_template", "django.shortcuts.render",
    }
)  # fmt: skip
# Responses whose body is served as HTML when given a string (XSS if the string holds input).
HTML_RESPONSES: frozenset[str] = frozenset(
    {
        "flask.make_response", "flask.Response", "werkzeug.Response", "werkzeug.wrappers.Response",
        "django.http.HttpResponse", "fastapi.responses.HTMLResponse",
        "starlette.responses.HTMLResponse",
        # Django's error responses are HttpResponse subclasses: text/html unless told otherwise.
        "django.http.HttpResponseBadRequest", "django.http.HttpResponseNotFound",
        "django.http.HttpResponseForbidden", "django.http.HttpResponseServerError",
        "django.http.HttpResponseGone", "pyramid.response.Response",
    }
)  # fmt: skip
ERROR_FUNCTIONS: frozenset[str] = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.format_tb", "sys.exc_info"}
)
TERMINATORS: frozenset[str] = frozenset(
    {"flask.abort", "abort", "sys.exit", "exit", "werkzeug.exceptions.abort", "os._exit"}
)
