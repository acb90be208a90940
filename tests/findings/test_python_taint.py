"""The python-taint plugin: flows from sources to sinks, sanitizers, summaries, AST rules."""

from __future__ import annotations

import re
import textwrap

import pytest

from findings.engine.analysis import analyze_snapshot
from findings.engine.scanners import SourceFile, registered_scanners
from findings.engine.scanners.bandit_scanner import BanditScanner
from findings.engine.scanners.python_taint import PythonTaintScanner
from tests.findings.conftest import file_change, snapshot


def _scan(text: str):
    outcome = PythonTaintScanner().scan(
        [
            SourceFile(
                path="app.py",
                language="python",
                text=textwrap.dedent(text),
                added_lines=frozenset(),
            )
        ]
    )
    assert outcome.failures == ()
    return outcome.findings


def _found(text: str) -> set[tuple[str, int]]:
    """(rule id, code line) of every finding: the code line is the sink's line."""
    lines = textwrap.dedent(text).split("\n")
    return {(f.rule_id, lines.index(f.code) + 1) for f in _scan(text)}


def _sink_lines(text: str, family: str) -> set[int]:
    """The sink lines of the findings of one family (`python-taint.<family>`)."""
    return {line for rule, line in _found(text) if rule == f"python-taint.{family}"}


FLASK = "from flask import Flask, request, redirect, abort\napp = Flask(__name__)\n"

# (name, vulnerable code, expected (rule, sink line), safe twin)
PAIRS = [
    (
        "sqli-fstring",
        FLASK
        + "@app.get('/a')\ndef a():\n    q = request.args['q']\n    db.execute(f\"SELECT {q}\")\n",
        ("python-taint.sqli", 6),
        FLASK
        + "@app.get('/a')\ndef a():\n    q = request.args['q']\n    db.execute('SELECT ?', (q,))\n",
    ),
    (
        "path-realpath-check",
        FLASK
        + "import os\n@app.get('/a')\ndef a():\n    p = os.path.join('/b', request.args['f'])\n"
        "    return open(p).read()\n",
        ("python-taint.path-traversal", 7),
        FLASK + "import os\n@app.get('/a')\ndef a():\n"
        "    p = os.path.realpath(os.path.join('/b', request.args['f']))\n"
        "    if not p.startswith('/b/'):\n        abort(404)\n    return open(p).read()\n",
    ),
    (
        "command-shlex",
        FLASK + "import os\n@app.get('/a')\ndef a():\n    os.system('ls ' + request.args['d'])\n",
        ("python-taint.command-injection", 6),
        FLASK + "import os, shlex\n@app.get('/a')\ndef a():\n"
        "    os.system('ls ' + shlex.quote(request.args['d']))\n",
    ),
    (
        "subprocess-list",
        FLASK + "import subprocess\n@app.get('/a')\ndef a():\n"
        "    subprocess.run('git log ' + request.args['r'], shell=True)\n",
        ("python-taint.command-injection", 6),
        FLASK + "import subprocess\n@app.get('/a')\ndef a():\n"
        "    subprocess.run(['git', 'log', request.args['r']])\n",
    ),
    (
        "allow-list-guard",
        FLASK + "@app.get('/a')\ndef a():\n    col = request.args['c']\n"
        "    db.execute('SELECT * FROM t ORDER BY ' + col)\n",
        ("python-taint.sqli", 6),
        FLASK + "COLS = {'a', 'b'}\n@app.get('/a')\ndef a():\n    col = request.args['c']\n"
        "    if col not in COLS:\n        abort(400)\n"
        "    db.execute('SELECT * FROM t ORDER BY ' + col)\n",
    ),
    (
        "int-cast",
        FLASK + "@app.get('/a')\ndef a():\n    n = request.args['n']\n"
        "    db.execute('SELECT * FROM t LIMIT %s' % n)\n",
        ("python-taint.sqli", 6),
        FLASK + "@app.get('/a')\ndef a():\n    n = int(request.args['n'])\n"
        "    db.execute('SELECT * FROM t LIMIT %s' % n)\n",
    ),
    (
        "xss-escape",
        FLASK + "@app.get('/a')\ndef a():\n    return '<p>' + request.args['n'] + '</p>'\n",
        ("python-taint.xss", 5),
        FLASK + "from markupsafe import escape\n@app.get('/a')\ndef a():\n"
        "    return '<p>' + escape(request.args['n']) + '</p>'\n",
    ),
    (
        "redirect-netloc",
        FLASK + "@app.get('/a')\ndef a():\n    return redirect(request.args['next'])\n",
        ("python-taint.open-redirect", 5),
        FLASK
        + "from urllib.parse import urlparse\nOK = {'example.com'}\n@app.get('/a')\ndef a():\n"
        "    url = request.args['next']\n    if urlparse(url).netloc not in OK:\n"
        "        abort(400)\n"
        "    return redirect(url)\n",
    ),
    (
        "ssrf-fixed-host",
        FLASK + "import requests\n@app.get('/a')\ndef a():\n"
        "    return requests.get(request.args['u'], timeout=3).text\n",
        ("python-taint.ssrf", 6),
        FLASK + "import requests\n@app.get('/a')\ndef a():\n"
        "    url = f\"https://api.example.com/{request.args['u']}\"\n"
        "    return requests.get(url, timeout=3).text\n",
    ),
    (
        "yaml-safe",
        "import yaml\ndef load(text):\n    return yaml.load(text)\n",
        ("python-taint.deserialization", 3),
        "import yaml\ndef load(text):\n    return yaml.safe_load(text)\n",
    ),
    (
        "redos-escape",
        FLASK + "import re\n@app.get('/a')\ndef a():\n"
        "    return str(re.search(request.args['p'], 'x'))\n",
        ("python-taint.redos", 6),
        FLASK + "import re\n@app.get('/a')\ndef a():\n"
        "    return str(re.search(re.escape(request.args['p']), 'x'))\n",
    ),
    (
        "redos-catastrophic-literal",
        FLASK + "import re\n@app.get('/a')\ndef a():\n"
        "    return str(re.match(r'^(a+)+$', request.args['s']))\n",
        ("python-taint.redos", 6),
        FLASK + "import re\n@app.get('/a')\ndef a():\n"
        "    return str(re.match(r'^a+$', request.args['s']))\n",
    ),
    (
        "log-args",
        FLASK + "import logging\nlogger = logging.getLogger()\n@app.get('/a')\ndef a():\n"
        "    logger.info(f\"user {request.args['u']}\")\n",
        ("python-taint.log-injection", 7),
        FLASK + "import logging\nlogger = logging.getLogger()\n@app.get('/a')\ndef a():\n"
        "    logger.info('user %r', request.args['u'])\n",
    ),
    (
        "error-str-e",
        FLASK + "@app.get('/a')\ndef a():\n    try:\n        work()\n    except ValueError as e:\n"
        "        return {'error': str(e)}, 500\n",
        ("python-taint.error-disclosure", 8),
        FLASK + "@app.get('/a')\ndef a():\n    try:\n        work()\n    except ValueError:\n"
        "        return {'error': 'failed'}, 500\n",
    ),
    (
        "xxe-parser",
        FLASK + "from lxml import etree\n@app.post('/a')\ndef a():\n"
        "    return etree.fromstring(request.data).tag\n",
        ("python-taint.xxe", 6),
        FLASK + "from lxml import etree\nP = etree.XMLParser(resolve_entities=False)\n"
        "@app.post('/a')\ndef a():\n    return etree.fromstring(request.data, P).tag\n",
    ),
    (
        "timing-compare",
        FLASK + "TOKEN = 'x'\n@app.get('/a')\ndef a():\n"
        "    if request.headers['X-Token'] != TOKEN:\n        abort(401)\n",
        ("python-taint.timing-compare", 6),
        FLASK + "import hmac\nTOKEN = 'x'\n@app.get('/a')\ndef a():\n"
        "    if not hmac.compare_digest(request.headers['X-Token'], TOKEN):\n        abort(401)\n",
    ),
    (
        "index-bounds",
        FLASK + "ITEMS = [1, 2]\n@app.get('/a')\ndef a():\n    i = int(request.args['i'])\n"
        "    return {'v': ITEMS[i]}\n",
        ("python-taint.input-validation", 7),
        FLASK + "ITEMS = [1, 2]\n@app.get('/a')\ndef a():\n    i = int(request.args['i'])\n"
        "    if not 0 <= i < len(ITEMS):\n        abort(404)\n    return {'v': ITEMS[i]}\n",
    ),
    (
        "md5-password",
        "import hashlib\ndef store(password):\n"
        "    return hashlib.md5(password.encode()).hexdigest()\n",
        ("python.weak-password-hash", 3),
        "import hashlib\ndef key(url):\n"
        "    return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()\n",
    ),
    (
        "hardcoded-secret",
        "API_KEY = 'a8f3k2l9q0w7e6r5'\n",
        ("python.hardcoded-credential", 1),
        "import os\nAPI_KEY = os.environ['API_KEY']\nPASSWORD_FIELD = 'password_confirmation'\n",
    ),
    (
        "cookie-flags",
        "def view(response, token):\n    response.set_cookie('sid', token)\n",
        ("python.cookie-flags", 2),
        "def view(response, token):\n"
        "    response.set_cookie('sid', token, secure=True, httponly=True, samesite='Lax')\n",
    ),
    (
        "tls-off",
        "import requests\nrequests.get('https://x.example', verify=False, timeout=3)\n",
        ("python.tls-verification-off", 2),
        "import requests\nrequests.get('https://x.example', timeout=3)\n",
    ),
    (
        "chmod",
        "import os\nos.chmod('/srv/f', 0o666)\n",
        ("python.permissive-file-mode", 2),
        "import os\nos.chmod('/srv/f', 0o600)\n",
    ),
]


@pytest.mark.parametrize(
    ("name", "vulnerable", "expected", "safe"), PAIRS, ids=[p[0] for p in PAIRS]
)
def test_the_flaw_is_found_and_its_safe_twin_is_not(name, vulnerable, expected, safe):
    # given a vulnerable snippet and its correct fix
    rule_id = expected[0]

    # when
    found = _found(vulnerable)
    safe_rules = {rule for rule, _line in _found(safe)}

    # then
    assert expected in found
    assert rule_id not in safe_rules


def test_the_message_names_the_variable_the_source_and_the_sink():
    # given
    text = (
        FLASK + "@app.get('/a')\ndef a():\n    name = request.args.get('n')\n"
        "    sql = 'SELECT ' + name\n    cursor.execute(sql)\n"
    )

    # when
    (finding,) = [f for f in _scan(text) if f.rule_id == "python-taint.sqli"]

    # then
    assert finding.message == "`sql` from request.args (line 5) reaches cursor.execute (line 7)"
    assert finding.cwe == 89
    assert finding.severity == "high"
    assert finding.confidence == "high"
    assert (finding.line, finding.end_line) == (7, 7)
    assert finding.source_line == 5
    assert [(step.line, step.note) for step in finding.flow] == [
        (5, "source: request.args"),
        (7, "sink: cursor.execute"),
    ]
    assert finding.code == "    cursor.execute(sql)"
    assert "parameters" in finding.guidance


@pytest.mark.parametrize(
    "statements",
    [
        "a, b = request.form['x'], 1\n    v = a",
        "v = 'x'\n    v += request.form['x']",
        "v = '{}'.format(request.form['x'])",
        "v = ' '.join([request.form['x']])",
        "v = {'k': request.form['x']}['k']",
        "v = {'k': request.form['x']}.get('k')",
        "v = request.form['x'].strip().lower()",
        "v = '%s' % request.form['x']",
        "v = request.get_json()['x']",
        "v = json.loads(request.data)['x']",
    ],
)
def test_taint_propagates_through_every_form(statements):
    # given
    text = (
        FLASK + f"import json\n@app.post('/a')\ndef a():\n    {statements}\n    cursor.execute(v)\n"
    )

    # when
    rules = {f.rule_id for f in _scan(text)}

    # then
    assert "python-taint.sqli" in rules


def test_a_flow_through_a_helper_is_reported_at_the_sink_with_the_call_in_its_flow():
    # given a helper whose parameter reaches os.system, called with request data
    text = (
        "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
        "def run(cmd):\n    return os.system('echo ' + cmd)\n\n"
        "@app.get('/a')\ndef a():\n    return str(run(request.args['c']))\n"
    )

    # when
    (finding,) = [f for f in _scan(text) if f.cwe == 78]

    # then one finding, at the sink, whose flow runs from the request through the call
    assert (finding.line, finding.end_line, finding.source_line) == (6, 6, 10)
    assert [(step.line, step.note) for step in finding.flow] == [
        (10, "source: request.args"),
        (10, "passed to a function of this file"),
        (6, "sink: os.system"),
    ]


def test_a_helper_that_returns_its_parameter_keeps_the_taint_and_one_that_casts_does_not():
    # given
    text = (
        "from flask import Flask, request\napp = Flask(__name__)\n"
        "def same(v):\n    return v.strip()\n"
        "def number(v):\n    return int(v)\n"
        "@app.get('/a')\ndef a():\n"
        "    cursor.execute('SELECT ' + same(request.args['x']))\n"
        "    cursor.execute('SELECT ' + str(number(request.args['y'])))\n"
    )

    # when
    lines = sorted(f.end_line for f in _scan(text) if f.cwe == 89)

    # then
    assert lines == [9]


def test_recursion_terminates():
    # given mutually recursive helpers
    text = (
        "from flask import Flask, request\napp = Flask(__name__)\n"
        "def ping(v, n):\n    return pong(v, n - 1) if n else v\n"
        "def pong(v, n):\n    return ping(v, n)\n"
        "@app.get('/a')\ndef a():\n    cursor.execute(ping(request.args['q'], 3))\n"
    )

    # when
    rules = [f.rule_id for f in _scan(text)]

    # then
    assert rules.count("python-taint.sqli") == 1


def test_django_view_parameters_and_fastapi_parameters_are_sources():
    # given
    text = (
        "import os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        "def detail(request, slug):\n    os.system('x ' + slug)\n"
        "@app.get('/i/{name}')\ndef item(name: str):\n    os.system('y ' + name)\n"
        "def helper(value):\n    os.system('z ' + value)\n"
    )

    # when
    found = sorted((f.line, f.source_line, f.confidence) for f in _scan(text) if f.cwe == 78)

    # then the handlers' flows are certain (their source is the parameter's line); the public
    # helper whose callers live in other files is reported with low confidence, at its sink
    assert found == [(5, 4, "high"), (8, 7, "high"), (10, 10, "low")]


def test_a_helper_called_in_the_file_with_clean_arguments_is_not_reported():
    # given
    text = (
        "import os\n"
        "def helper(value):\n    os.system('z ' + value)\n"
        "def main():\n    helper('constant')\n"
        "def _private(value):\n    os.system('z ' + value)\n"
    )

    # then nothing: the only caller passes a constant, and a private helper is internal
    assert [f.rule_id for f in _scan(text) if f.cwe == 78] == []


def test_an_unparsable_file_is_a_failure_not_a_silent_pass():
    # when
    outcome = PythonTaintScanner().scan(
        [SourceFile(path="bad.py", language="python", text="def (:\n", added_lines=frozenset())]
    )

    # then
    assert outcome.findings == ()
    (failure,) = outcome.failures
    assert failure.path == "bad.py"
    assert failure.scanner_id == "python-taint"
    assert failure.reason.startswith("Python syntax error at line 1")


def test_the_plugin_is_registered():
    scanners = {scanner.id: scanner for scanner in registered_scanners()}

    assert isinstance(scanners["python-taint"], PythonTaintScanner)
    assert "bandit.B608" in scanners["python-taint"].supersedes


SAFE_SQL_TWIN = (
    "from flask import Flask, request, abort\napp = Flask(__name__)\nCOLUMNS = {'name', 'age'}\n"
    "@app.get('/a')\ndef a():\n    col = request.args['sort']\n    if col not in COLUMNS:\n"
    "        abort(400)\n    return cursor.execute(f'SELECT * FROM people ORDER BY {col}')\n"
)


def test_bandit_findings_are_superseded_on_files_the_taint_engine_analysed():
    # given an allow-listed column that bandit flags as B608
    change = file_change("app.py", "", SAFE_SQL_TWIN, status="added")

    # when
    with_taint = analyze_snapshot(
        snapshot(change), scanners=[BanditScanner(), PythonTaintScanner()]
    )
    bandit_only = analyze_snapshot(snapshot(change), scanners=[BanditScanner()])

    # then bandit alone flags it, with the taint engine nothing is reported
    assert "bandit.B608" in {f.data.rule_id for f in bandit_only.findings}
    assert [f.data.rule_id for f in with_taint.findings] == []


def test_bandit_is_kept_on_files_the_taint_engine_could_not_analyse():
    # given a file the engine refuses (too large for it) but bandit reads
    import findings.engine.scanners.python_taint as module

    change = file_change("app.py", "", SAFE_SQL_TWIN, status="added")
    limit = module.MAX_FILE_CHARS
    module.MAX_FILE_CHARS = 10
    try:
        result = analyze_snapshot(
            snapshot(change), scanners=[BanditScanner(), PythonTaintScanner()]
        )
    finally:
        module.MAX_FILE_CHARS = limit

    # then
    assert "bandit.B608" in {f.data.rule_id for f in result.findings}
    assert [f.scanner_id for f in result.failures] == ["python-taint"]


def test_a_flow_whose_source_line_was_added_is_kept_and_an_untouched_flow_is_not():
    # given the sink existed; the PR adds the line that makes its input tainted
    old = (
        "from flask import Flask, request\napp = Flask(__name__)\n@app.get('/a')\ndef a():\n"
        "    q = 'x'\n    cursor.execute('SELECT ' + q)\n"
    )
    new = old.replace("q = 'x'", "q = request.args['q']")
    untouched = old.replace("q = 'x'", "q = request.args['q']") + "\n\ndef other():\n    return 1\n"

    # when
    added = analyze_snapshot(
        snapshot(file_change("app.py", old, new)), scanners=[PythonTaintScanner()]
    )
    elsewhere = analyze_snapshot(
        snapshot(file_change("app.py", new, untouched)), scanners=[PythonTaintScanner()]
    )

    # then
    assert [
        (f.data.rule_id, f.data.line, f.data.end_line, f.data.source_line) for f in added.findings
    ] == [("python-taint.sqli", 6, 6, 5)]
    assert elsewhere.findings == ()


def test_a_framework_request_reached_through_its_module_is_a_source():
    code = (
        "import os\n"
        "import flask\n"
        "import flask as fw\n"
        "app = flask.Flask(__name__)\n"
        "\n"
        "@app.route('/ping')\n"
        "def ping():\n"
        "    os.system('ping -c 1 ' + flask.request.args.get('host'))\n"
        "    os.system(fw.request.form['cmd'])\n"
        "    os.system('ls ' + flask.escape('x'))\n"
        "    return 'ok'\n"
    )
    assert {line for _rule, line in _found(code)} == {8, 9}


def test_html_rendered_by_an_autoescaping_template_is_not_xss_when_wrapped():
    code = FLASK + (
        "from flask import render_template\n"
        "@app.route('/link', methods=['POST'])\n"
        "def link():\n"
        "    part = render_template('link.html', data=request.form['param'])\n"
        "    return \"<a href='%s'>Click</a>\" % part\n"
        "@app.route('/raw', methods=['POST'])\n"
        "def raw():\n"
        "    return \"<a href='%s'>Click</a>\" % request.form['param']\n"
    )
    assert [line for rule, line in _found(code) if rule.endswith("xss")] == [10]


def test_a_module_level_source_reaches_the_functions_that_read_it_unless_they_rebind_it():
    # given a script that reads its input once, at the top, and uses it in functions
    text = (
        "import os\nimport sys\ntarget = sys.argv[1]\nconstant = 'docs'\n\n"
        "def clean():\n    os.system('ls ' + target)\n\n"
        "def shadowed():\n    target = 'static'\n    os.system('ls ' + target)\n\n"
        "def fixed():\n    os.system('ls ' + constant)\n"
    )

    # when
    found = _found(text)

    # then the module's sys.argv reaches clean(); the rebinding and the constant are clean
    assert found == {("python-taint.command-injection", 7)}
    (finding,) = _scan(text)
    assert finding.source_line == 3


@pytest.mark.parametrize(
    "setup, call",
    [
        ("import urllib3\n    http = urllib3.PoolManager()", "http.request('GET', url)"),
        ("import urllib3", "urllib3.request('GET', url)"),
        (
            "import urllib3\n    pool = urllib3.PoolManager().connection_from_url('https://a')",
            "pool.urlopen('GET', url)",
        ),
        ("import urllib3", "urllib3.HTTPConnectionPool(url, 443)"),
        ("import http.client", "http.client.HTTPSConnection(url)"),
        (
            "import http.client\n    conn = http.client.HTTPSConnection('api.example.com')",
            "conn.request('GET', url)",
        ),
        ("import httplib2\n    h = httplib2.Http()", "h.request(url, 'GET')"),
        ("import httpx", "httpx.Client(base_url=url)"),
        ("import httpx\n    client = httpx.Client()", "client.stream('GET', url)"),
        ("import requests", "requests.Request('GET', url)"),
        ("import requests\n    s = requests.Session()", "s.put(url)"),
        ("import aiohttp", "aiohttp.ClientSession(url)"),
    ],
)
def test_every_http_client_api_that_takes_where_to_connect_is_an_ssrf_sink(setup, call):
    # given request data as the URL or host of each client's connecting call
    safe_call = re.sub(r"\burl\b", "'https://api.example.com/v1'", call, count=1)
    vulnerable = FLASK + f"@app.get('/a')\ndef a():\n    {setup}\n    url = request.args['u']\n"
    vulnerable += f"    return {call}\n"
    safe = vulnerable.replace(f"return {call}", f"return {safe_call}")

    # then the input is reported at the call, and a constant endpoint is not
    assert ("python-taint.ssrf", vulnerable.count("\n")) in _found(vulnerable)
    assert not {rule for rule, _line in _found(safe) if rule == "python-taint.ssrf"}


HANDLER = FLASK + "import os, sys, subprocess, importlib\n@app.get('/a')\ndef a():\n"


@pytest.mark.parametrize(
    "name, vulnerable, rule, safe",
    [
        (
            "exec-shell-string",
            "os.execl('/bin/sh', 'sh', '-c', 'tar ' + v)",
            "command-injection",
            "os.execl('/usr/bin/tar', 'tar', '-xf', v)",  # arguments of a fixed program
        ),
        (
            "exec-program-from-input",
            "os.execv(v, [v])",
            "command-injection",
            "os.execv(sys.executable, [sys.executable, *sys.argv])",  # the restart idiom
        ),
        (
            "spawn-shell-list",
            "os.spawnve(os.P_WAIT, '/bin/bash', ['-c', v], {})",
            "command-injection",
            "os.spawnve(os.P_WAIT, '/usr/bin/git', ['log', v], {})",
        ),
        (
            "subprocess-list-runs-a-shell",
            "subprocess.run(['bash', '-c', 'grep ' + v])",
            "command-injection",
            "subprocess.run(['grep', '--', v])",
        ),
        (
            "import-module-from-input",
            "importlib.import_module('plugins.' + v)",
            "code-injection",
            "importlib.import_module('plugins.' + {'a': 'a', 'b': 'b'}.get('a'))",
        ),
        (
            "callproc-name-from-input",
            "cursor.callproc(v, [1])",
            "sqli",
            "cursor.callproc('refresh_totals', [v])",
        ),
        (
            "driver-escaping",
            "cursor.execute(\"SELECT * FROM t WHERE n = '%s'\" % v)",
            "sqli",
            "cursor.execute(\"SELECT * FROM t WHERE n = '%s'\" % conn.escape_string(v))",
        ),
        (
            "mkdir-from-input",
            "os.mkdir(os.path.join('/srv', v))",
            "path-traversal",
            "os.mkdir(os.path.join('/srv', os.path.basename(v)))",
        ),
    ],
)
def test_exec_spawn_import_callproc_mkdir_sinks_and_driver_escaping(name, vulnerable, rule, safe):
    # given request data reaching each call, and the same call without the flaw
    body = "    v = request.args['v']\n    {}\n    return ''\n"
    line = HANDLER.count("\n") + 2

    # then
    assert (f"python-taint.{rule}", line) in _found(HANDLER + body.format(vulnerable)), name
    assert not {r for r, _l in _found(HANDLER + body.format(safe)) if r.endswith(rule)}, name


def test_asyncpg_and_pg8000_query_methods_are_sql_sinks():
    # given SQL built from input and run through asyncpg (also from a pool) and pg8000
    text = (
        "import asyncpg\nimport pg8000.native\nfrom flask import request\n\n"
        "async def a():\n    q = 'SELECT * FROM t WHERE n = ' + request.args['n']\n"
        "    conn = await asyncpg.connect()\n    await conn.fetchrow(q)\n"
        "    pool = await asyncpg.create_pool()\n    async with pool.acquire() as c:\n"
        "        await c.fetch(q)\n"
        "    pg = pg8000.native.Connection('u')\n    pg.run(q)\n"
        "    await conn.fetch('SELECT * FROM t WHERE n = $1', request.args['n'])\n"
    )

    # then each is reported; the parameterized query is not
    lines = _sink_lines(text, "sqli")
    assert lines == {8, 11, 13}


def test_a_django_forms_cleaned_data_is_client_input():
    # given a value taken from a form's cleaned_data, in a helper with no request in sight
    text = (
        "from django.shortcuts import redirect\n\n"
        "def next_step(form):\n    return redirect(form.cleaned_data['next'])\n"
    )

    # then
    assert _found(text) == {("python-taint.open-redirect", 4)}


@pytest.mark.parametrize(
    "guard",
    [
        # the check's result kept in a name, then tested
        "ok = url_has_allowed_host_and_scheme(url=nxt, allowed_hosts={'a.example'})\n"
        "    if not ok:\n        abort(400)",
        # the URL's host compared with the empty string, the fallback bound in the failing branch
        "if not nxt or urlparse(nxt).netloc != '':\n        nxt = '/'",
    ],
)
def test_a_redirect_guarded_through_a_flag_or_an_empty_host_is_clean(guard):
    # given
    head = (
        FLASK + "from urllib.parse import urlparse\n"
        "from django.utils.http import url_has_allowed_host_and_scheme\n"
        "@app.get('/a')\ndef a():\n    nxt = request.args['next']\n"
    )
    unguarded = head + "    return redirect(nxt)\n"
    guarded = head + f"    {guard}\n    return redirect(nxt)\n"

    # then
    assert {rule for rule, _ in _found(unguarded)} == {"python-taint.open-redirect"}
    assert not _found(guarded)


def test_a_flag_stops_guarding_once_the_value_it_checked_is_bound_again():
    # given the checked name rebound from the request after the check
    text = (
        FLASK + "from django.utils.http import url_has_allowed_host_and_scheme\n"
        "@app.get('/a')\ndef a():\n    nxt = request.args['next']\n"
        "    ok = url_has_allowed_host_and_scheme(nxt, allowed_hosts={'a.example'})\n"
        "    nxt = request.args['other']\n"
        "    if ok:\n        return redirect(nxt)\n    return ''\n"
    )

    # then
    assert ("python-taint.open-redirect", 10) in _found(text)


def test_an_aws_lambda_handlers_event_is_client_input_and_its_context_is_not():
    # given
    text = (
        "import os\n\ndef lambda_handler(event, context):\n"
        "    os.system('ls ' + event['queryStringParameters']['dir'])\n"
        "    os.system('ls ' + context.function_name)\n"
    )

    # then the event is reported at high confidence, as a source, not as a bare parameter
    (finding,) = _scan(text)
    assert (finding.rule_id, finding.line, finding.confidence) == (
        "python-taint.command-injection",
        4,
        "high",
    )


@pytest.mark.parametrize(
    "call, reported",
    [
        ("subprocess.call(v)", True),  # input names the program
        ("subprocess.call(v, shell=True)", True),
        ("subprocess.call('grep -R {} .'.format(v))", False),  # no shell: grep runs, whatever v is
        ("subprocess.call(f'ls {v}')", False),
        ("subprocess.call('ls ' + v, shell=True)", True),
        ("loop.subprocess_shell(factory, 'ls ' + v)", True),
        ("loop.subprocess_exec(factory, 'ls', v)", False),
        ("loop.subprocess_exec(factory, 'bash', '-c', v)", True),
    ],
)
def test_a_command_string_without_a_shell_is_a_sink_only_when_input_names_the_program(
    call, reported
):
    text = HANDLER + f"    v = request.args['v']\n    {call}\n    return ''\n"

    rules = {rule for rule, _ in _found(text)}

    assert ("python-taint.command-injection" in rules) is reported


def test_djangos_error_responses_serve_html_and_reflect_input_as_xss():
    text = (
        "from django.http import HttpResponseBadRequest, HttpResponseNotFound\n\n"
        "def view(request):\n    user = request.GET.get('user', '')\n"
        "    if not user:\n        return HttpResponseNotFound('no user')\n"
        "    return HttpResponseBadRequest('unknown user {}'.format(user))\n"
    )

    assert ("python-taint.xss", 7) in _found(text)
    assert ("python-taint.xss", 6) not in _found(text)


def test_sqlalchemy_query_methods_given_built_text_are_sql_sinks_and_expressions_are_not():
    # given a Query's filter/having/group_by/order_by fed text built from input, and the same
    # methods fed SQLAlchemy expressions, Django keywords, a bound parameter and a field name
    text = (
        "from flask import request\n\n"
        "def view():\n    q = request.args['q']\n    query = db.session.query(User)\n"
        "    query.filter(\"name='{}'\".format(q))\n"  # 6
        "    query.having(f'count > {q}')\n"  # 7
        "    query.group_by('name, ' + q)\n"  # 8
        "    query.order_by(f'{q} DESC')\n"  # 9
        "    query.filter(User.name == q)\n"
        "    Users.objects.filter(name=q)\n"
        "    Users.objects.order_by('-' + q)\n"
        "    query.filter(text('name = :n')).params(n=q)\n"
    )

    # then only the textual clauses are reported
    lines = _sink_lines(text, "sqli")
    assert lines == {6, 7, 8, 9}


def test_webapp2_and_tornado_request_readers_are_sources():
    # given a webapp2 handler's self.request.get and Tornado's get_argument/request.arguments
    text = (
        "import os\n\n"
        "class A(webapp2.RequestHandler):\n    def get(self):\n"
        "        os.system('ls ' + self.request.get('dir'))\n"  # 5
        "class B(tornado.web.RequestHandler):\n    def get(self):\n"
        "        os.system('ls ' + self.get_argument('dir'))\n"  # 8
        "        os.system('ls ' + self.request.arguments['d'][0].decode())\n"  # 9
        "        os.system('ls ' + self.settings.get('dir'))\n"
    )

    # then the three client values are reported and the server's settings are not
    lines = _sink_lines(text, "command-injection")
    assert lines == {5, 8, 9}


def test_a_command_list_is_a_sink_when_input_picks_its_program_not_when_it_adds_arguments():
    # given argument lists without a shell: input as the program, written in the call or bound
    # earlier, and input as a plain argument
    text = (
        "import subprocess\nfrom flask import request\n\n"
        "def view():\n    cmd = request.args['cmd'].split()\n    host = request.args['host']\n"
        "    subprocess.call([cmd[0], cmd[1], 'x'])\n"  # 7
        "    command = [host, '-c', '1']\n    subprocess.run(command)\n"  # 9
        "    subprocess.run(['ping', '-c', '1', host])\n"
        "    safe = ['ping', host]\n    subprocess.run(safe)\n"
    )

    # then only the lists whose program came from the request are reported
    lines = _sink_lines(text, "command-injection")
    assert lines == {7, 9}


def test_a_float_from_input_bounded_by_a_comparison_is_reported_unless_nan_is_ruled_out():
    # given float() of a form value checked only by comparisons (NaN fails each one, so the
    # check passes it), beside an int() of it and a function that checks math.isfinite
    text = (
        "import math\nfrom flask import request\n\n"
        "def pay():\n    amount = float(request.form['amount'])\n"
        "    if amount <= 0 or amount > 100:\n        return 'no', 400\n"  # 6
        "def count():\n    n = int(float(request.form['n']))\n"
        "    if n > 100:\n        return 'no'\n"
        "def pay_checked():\n    amount = float(request.form['amount'])\n"
        "    if not math.isfinite(amount) or amount <= 0:\n        return 'no', 400\n"
        "def rebound():\n    amount = float(request.form['amount'])\n    amount = 5\n"
        "    if amount > 1:\n        return 'no'\n"
    )

    # then only the unguarded float's bound check is reported
    found = [f for f in _scan(text) if f.rule_id == "python-taint.input-validation"]
    assert [f.line for f in found] == [6]
    assert "NaN" in found[0].message


def test_a_key_value_object_hands_back_input_only_under_the_key_it_was_stored_at():
    # given a ConfigParser and a StringIO fed a request value beside constants
    text = (
        "import configparser, io, os\nfrom flask import request\n\n"
        "def view():\n    param = request.args['p']\n"
        "    conf = configparser.ConfigParser()\n    conf.add_section('s')\n"
        "    conf.set('s', 'keyA', 'a-Value')\n    conf.set('s', 'keyB', param)\n"
        "    os.system('echo ' + conf.get('s', 'keyA'))\n"  # 10: the constant
        "    os.system('echo ' + conf.get('s', 'keyB'))\n"  # 11: the input
        "    os.system('echo ' + conf.get('s', 'keyC', fallback='x'))\n"  # 12: never written
        "    buf = io.StringIO()\n    buf.write(param)\n"
        "    os.system('echo ' + buf.getvalue())\n"  # 15
        "    conf = configparser.ConfigParser()\n"
        "    os.system('echo ' + conf.get('s', 'keyB'))\n"  # 17: a new, clean object
    )

    # then the reads of the input's key and of the buffer are reported, and no other
    lines = _sink_lines(text, "command-injection")
    assert lines == {11, 15}
