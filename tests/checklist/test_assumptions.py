"""Assumption challenges are generated from the code, pure: per kind, per language, bounded."""

from __future__ import annotations

import hashlib

import pytest

from reviewbench.checklist.assumptions import (
    KINDS,
    MAX_ASSUMPTIONS,
    AssumptionSource,
    assumption_key,
    assumptions_for_file,
    assumptions_generate,
)


def generate(path: str, code: str, ai_lines=None) -> list:
    lines = frozenset(ai_lines or range(1, code.count("\n") + 2))
    return assumptions_for_file(AssumptionSource(path=path, text=code, ai_lines=lines))


def of_kind(path: str, code: str, kind: str) -> list:
    return [a for a in generate(path, code) if a.kind == kind]


PY_HEAD = "import os, re, pickle, subprocess, hashlib, logging, requests, yaml\n"

# (kind, path, unsafe code, the prompt it must produce, safe code that must produce nothing)
CASES = [
    (
        "sql",
        "app/db.py",
        "def find(request, cursor):\n"
        "    name = request.GET['name']\n"
        "    query = f\"SELECT * FROM o WHERE name = '{name}'\"\n"
        "    cursor.execute(query)\n",
        "`name` (line 2) never reaches the SQL in `cursor.execute` on line 4 unchecked "
        "(in app/db.py).",
        "def find(cursor, name):\n    cursor.execute('SELECT * FROM o WHERE name = %s', (name,))\n",
    ),
    (
        "shell",
        "app/run.py",
        "import os\ndef run(target):\n    os.system('ping ' + target)\n",
        "`target` (line 2) never reaches the shell command in `os.system` on line 3 unchecked "
        "(in app/run.py).",
        "import subprocess\ndef run():\n    subprocess.run(['ls', '-l'])\n",
    ),
    (
        "path",
        "app/files.py",
        "import os\ndef read(request):\n    fname = request.GET['f']\n"
        "    return open(os.path.join('/srv', fname)).read()\n",
        "`fname` (line 3) never reaches the file path in `open` on line 4 unchecked "
        "(in app/files.py).",
        "def read():\n    return open('/srv/static.txt').read()\n",
    ),
    (
        "ssrf",
        "app/fetch.py",
        "import requests\ndef proxy(url):\n    return requests.get(url, timeout=5)\n",
        "`url` (line 2) never reaches the URL fetched by `requests.get` (SSRF) on line 3 "
        "unchecked (in app/fetch.py).",
        "import requests\ndef ping():\n"
        "    return requests.get('https://status.example', timeout=5)\n",
    ),
    (
        "redirect",
        "app/login.py",
        "from django.shortcuts import redirect\ndef done(request):\n"
        "    nxt = request.GET.get('next')\n    return redirect(nxt)\n",
        "`nxt` (line 3) never reaches the redirect target of `redirect` on line 4 unchecked "
        "(in app/login.py).",
        "from django.shortcuts import redirect\ndef done():\n    return redirect('/home')\n",
    ),
    (
        "template",
        "app/html.py",
        "from django.utils.safestring import mark_safe\ndef badge(label):\n"
        "    return mark_safe('<b>' + label + '</b>')\n",
        "`label` (line 2) never reaches the HTML/template built by `mark_safe` on line 3 "
        "unchecked (in app/html.py).",
        "from django.utils.safestring import mark_safe\n"
        "def badge():\n    return mark_safe('<b>x</b>')\n",
    ),
    (
        "deserialize",
        "app/cache.py",
        "import pickle\ndef load(blob):\n    return pickle.loads(blob)\n",
        "`blob` (line 2) never reaches the deserializer `pickle.loads` on line 3 unchecked "
        "(in app/cache.py).",
        "import yaml\ndef load(text):\n    return yaml.load(text, Loader=yaml.SafeLoader)\n",
    ),
    (
        "regex",
        "app/search.py",
        "import re\ndef search(pattern, text):\n    return re.search(pattern, text)\n",
        "`pattern` (line 2) never reaches the regular expression in `re.search` (ReDoS) on "
        "line 3 unchecked (in app/search.py).",
        "import re\ndef search(text):\n    return re.search(r'^[a-z]+$', text)\n",
    ),
    (
        "error_details",
        "app/api.py",
        "from django.http import JsonResponse\ndef view(request):\n    try:\n        work()\n"
        "    except Exception as exc:\n        return JsonResponse({'error': str(exc)})\n",
        "The error details in `exc` returned on line 6 are safe to show the client "
        "(in app/api.py).",
        "from django.http import JsonResponse\ndef view(request):\n    try:\n        work()\n"
        "    except Exception:\n        return JsonResponse({'error': 'internal error'})\n",
    ),
    (
        "secret_compare",
        "app/hooks.py",
        "def check(request, expected_token):\n    token = request.headers.get('X-Token')\n"
        "    return token == expected_token\n",
        "Comparing `token` with `==` on line 3 need not be constant-time (in app/hooks.py).",
        "import hmac\ndef check(token, expected_token):\n"
        "    return hmac.compare_digest(token, expected_token)\n",
    ),
    (
        "cookie_flags",
        "app/session.py",
        "def login(response, sid):\n    response.set_cookie('sid', sid, secure=True)\n",
        "The cookie set by `response.set_cookie` on line 2 needs no HttpOnly/SameSite flags "
        "(in app/session.py).",
        "def login(response, sid):\n"
        "    response.set_cookie('sid', sid, secure=True, httponly=True, samesite='Lax')\n",
    ),
    (
        "upload",
        "app/upload.py",
        "def upload(request):\n    doc = request.FILES['doc']\n    store(doc)\n",
        "The upload `request.FILES[…]` on line 2 has bounded size and type (in app/upload.py).",
        "def upload(request):\n    doc = request.FILES['doc']\n"
        "    if doc.size > MAX_UPLOAD or doc.content_type != 'application/pdf':\n"
        "        raise ValueError\n",
    ),
    (
        "parse",
        "app/paging.py",
        "def page(request):\n    size = request.GET['size']\n    return int(size)\n",
        "`int` of `size` (line 2) on line 3 always succeeds and stays in range (in app/paging.py).",
        "def page(request):\n    try:\n        return int(request.GET['size'])\n"
        "    except ValueError:\n        return 20\n",
    ),
    (
        "timeout",
        "app/notify.py",
        "import requests\ndef notify():\n    requests.post('https://hooks.example/x', json={})\n",
        "The outbound call `requests.post` on line 3 needs no timeout (in app/notify.py).",
        "import requests\ndef notify():\n"
        "    requests.post('https://hooks.example/x', json={}, timeout=5)\n",
    ),
    (
        "authz",
        "app/views.py",
        "from django.http import JsonResponse\ndef export_orders(request):\n"
        "    return JsonResponse({'orders': list_orders()})\n",
        "The new endpoint `export_orders` on line 2 needs no authentication or permission check "
        "(in app/views.py).",
        "from django.contrib.auth.decorators import login_required\n@login_required\n"
        "def export_orders(request):\n    return list_orders()\n",
    ),
    (
        "crypto",
        "app/ids.py",
        "import hashlib\ndef fingerprint(data):\n    return hashlib.md5(data).hexdigest()\n",
        "`hashlib.md5` on line 3 is an adequate choice of hash or cipher (in app/ids.py).",
        "import hashlib\ndef fingerprint(data):\n    return hashlib.sha256(data).hexdigest()\n",
    ),
    (
        "tls_verify",
        "app/client.py",
        "import requests\ndef call():\n"
        "    return requests.get('https://internal', verify=False, timeout=3)\n",
        "Turning TLS certificate verification off in `requests.get` on line 3 is safe "
        "(in app/client.py).",
        "import requests\ndef call():\n    return requests.get('https://internal', timeout=3)\n",
    ),
    (
        "file_permissions",
        "app/store.py",
        "import os\ndef save(path):\n    os.chmod(path, 0o777)\n",
        "The permissions `0o777` set by `os.chmod` on line 3 are not too open (in app/store.py).",
        "import os\ndef save(path):\n    os.chmod(path, 0o600)\n",
    ),
    (
        "log_input",
        "app/audit.py",
        "import logging\nlogger = logging.getLogger(__name__)\ndef hit(request):\n"
        "    who = request.GET.get('user')\n    logger.info('login by %s', who)\n",
        "Logging `who` (line 4) with `logger.info` on line 5 is safe: no forged log lines, "
        "no secrets in logs (in app/audit.py).",
        "import logging\nlogger = logging.getLogger(__name__)\ndef hit(request):\n"
        "    logger.info('login attempt')\n",
    ),
    (
        "size",
        "app/pages.py",
        "def page(request):\n    n = int(request.GET['n'])\n    return list(range(n))\n",
        "`n` (line 2), used as a size, limit or index by `range` on line 3, is bounded (never "
        "negative, never huge) (in app/pages.py).",
        "def page(request):\n    return list(range(50))\n",
    ),
    (
        "error_swallowed",
        "app/sync.py",
        "def sync(client):\n    try:\n        client.push()\n    except Exception:\n        pass\n",
        "The error swallowed on line 4 cannot hide a failed check or leave data half-written "
        "(in app/sync.py).",
        "def sync(client):\n    try:\n        client.push()\n    except TimeoutError:\n"
        "        raise SyncFailed()\n",
    ),
    (
        "toctou",
        "app/store.py",
        "import os\ndef save(path, data):\n    if not os.path.exists(path):\n"
        "        with open(path, 'w') as f:\n            f.write(data)\n",
        "`path` (checked on line 3) cannot change between the check and its use by `open` on "
        "line 4 (in app/store.py).",
        "import os\ndef save(path, data):\n    with open(path, 'x') as f:\n        f.write(data)\n",
    ),
    (
        "retry",
        "app/billing.py",
        "import requests\nfrom tenacity import retry\n@retry\ndef charge(order):\n"
        "    return requests.post('https://pay.example/charge', json=order, timeout=5)\n",
        "Retrying `requests.post` on line 5 cannot apply it twice: it is idempotent or keyed "
        "(in app/billing.py).",
        "import requests\ndef charge(order):\n"
        "    return requests.post('https://pay.example/charge', json=order, timeout=5)\n",
    ),
    (
        "log_sensitive",
        "app/login.py",
        "import logging\nlogger = logging.getLogger(__name__)\ndef login(user, password):\n"
        "    logger.info('login %s with %s', user, password)\n",
        "Logging `password` with `logger.info` on line 4 writes no secret or personal data to "
        "the logs (in app/login.py).",
        "import logging\nlogger = logging.getLogger(__name__)\ndef login(user, password):\n"
        "    logger.info('login %s', user)\n",
    ),
]


CASES += [
    (
        "xpath",
        "app/users.py",
        "def find(request, tree):\n    name = request.GET['name']\n"
        '    return tree.xpath("//user[@name=\'" + name + "\']")\n',
        "`name` (line 2) never reaches the XPath expression in `tree.xpath` on line 3 unchecked "
        "(in app/users.py).",
        # the value bound to an XPath variable, not put into the expression
        "def find(request, tree):\n    name = request.GET['name']\n"
        "    return tree.xpath('//user[@name=$n]', n=name)\n",
    ),
    (
        "ldap",
        "app/directory.py",
        "import ldap\ndef who(request, conn):\n    uid = request.GET['uid']\n"
        "    return conn.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=' + uid + ')')\n",
        "`uid` (line 3) never reaches the LDAP filter or name in `conn.search_s` on line 4 "
        "unchecked (in app/directory.py).",
        "import ldap\ndef who(conn):\n"
        "    return conn.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=admin)')\n",
    ),
]


CASES += [
    (
        "trust_boundary",
        "app/views.py",
        "def choose(request):\n    role = request.POST['role']\n"
        "    request.session['role'] = role\n",
        "`role` (line 2) never reaches the session data stored by `request.session[…]` on line 3 "
        "unchecked (in app/views.py).",
        # checked against an allow-list before it is stored
        "ROLES = {'viewer', 'editor'}\ndef choose(request):\n    role = request.POST['role']\n"
        "    if role not in ROLES:\n        raise ValueError(role)\n"
        "    request.session['role'] = role\n",
    ),
    (
        "xxe",
        "app/feeds.py",
        "from xml.dom.pulldom import parseString\ndef feed(request):\n    body = request.body\n"
        "    return parseString(body)\n",
        "The XML parser of `parseString` on line 4, reading `body` (line 3), resolves no "
        "external entities or DTDs and bounds entity expansion (in app/feeds.py).",
        "import defusedxml.pulldom\ndef feed(request):\n    body = request.body\n"
        "    return defusedxml.pulldom.parseString(body)\n",
    ),
    (
        "code",
        "app/calc.py",
        "def calc(request):\n    expr = request.GET['e']\n    return eval(expr)\n",
        "`expr` (line 2) never reaches the code run by `eval` on line 3 unchecked "
        "(in app/calc.py).",
        "import ast\ndef calc(request):\n    expr = request.GET['e']\n"
        "    return ast.literal_eval(expr)\n",
    ),
    (
        "weak_random",
        "app/accounts.py",
        "import random, string\ndef reset_token():\n"
        "    return ''.join(random.choice(string.ascii_letters) for _ in range(32))\n",
        "The value `random.choice` gives on line 3 is not a token, password, key or id that must "
        "not be guessed (in app/accounts.py).",
        "import secrets\ndef reset_token():\n    return secrets.token_urlsafe(32)\n",
    ),
    (
        "browser",
        "app/shot.py",
        "async def snapshot(page, request):\n    url = request.GET['u']\n"
        "    await page.goto(url)\n",
        "`url` (line 2) never reaches what the server-side browser loads or runs in `page.goto` "
        "on line 3 unchecked (in app/shot.py).",
        "async def snapshot(page):\n    await page.goto('https://status.example/')\n",
    ),
    (
        "argument",
        "app/git.py",
        "import subprocess\ndef clone(request):\n    url = request.GET['u']\n"
        "    subprocess.run(['git', 'clone', url], check=True)\n",
        "`url` (line 3) never reaches the options of `subprocess.run` on line 4 unchecked "
        "(in app/git.py).",
        "import subprocess\ndef clone(request):\n    url = request.GET['u']\n"
        "    subprocess.run(['git', 'clone', '--', url], check=True)\n",
    ),
    (
        "query_param",
        "app/search.py",
        "import requests\ndef search(request):\n    q = request.GET['q']\n"
        "    return requests.get(f'https://api.example/s?q={q}', timeout=5)\n",
        "`q` (line 3) never reaches the query string built for `requests.get` on line 4 "
        "unchecked (in app/search.py).",
        "import requests\ndef search(request):\n    q = request.GET['q']\n"
        "    return requests.get('https://api.example/s', params={'q': q}, timeout=5)\n",
    ),
]


@pytest.mark.parametrize(
    ("kind", "path", "code", "prompt", "safe"), CASES, ids=[c[0] for c in CASES]
)
def test_python_assumption_names_the_variable_and_line(kind, path, code, prompt, safe):
    # given AI-written Python code with an implicit security assumption
    # when assumptions are generated
    found = of_kind(path, code, kind)

    # then exactly one, stated concretely
    assert [a.prompt for a in found] == [prompt]
    assert found[0].path == path
    assert found[0].key.startswith(f"assumption:{kind}:{path}:")


@pytest.mark.parametrize(
    ("kind", "path", "code", "prompt", "safe"), CASES, ids=[c[0] for c in CASES]
)
def test_python_safe_form_yields_no_assumption_of_that_kind(kind, path, code, prompt, safe):
    assert of_kind(path, safe, kind) == []


def test_at_least_twelve_kinds_are_covered():
    assert len({case[0] for case in CASES}) == len(KINDS) == 33


def test_lxml_parsers_told_to_resolve_entities_are_challenged_and_safe_ones_are_not():
    unsafe = "from lxml import etree\nparser = etree.XMLParser(resolve_entities=True)\n"
    safe = "from lxml import etree\nparser = etree.XMLParser(resolve_entities=False)\n"
    assert [a.line for a in of_kind("app/x.py", unsafe, "xxe")] == [2]
    assert of_kind("app/x.py", safe, "xxe") == []


@pytest.mark.parametrize(
    ("path", "code", "kind"),
    [
        # the query is a local that only ever holds a constant; the input is bound
        (
            "app/search.py",
            "def search(request, cursor):\n    term = request.GET['q']\n"
            "    query = 'SELECT id FROM p WHERE name LIKE ?'\n"
            "    return cursor.execute(query, (f'%{term}%',))\n",
            "sql",
        ),
        (
            "app/users.py",
            "from sqlalchemy import text\ndef find(conn, name):\n"
            "    stmt = text('SELECT id FROM u WHERE name = :name')\n"
            "    return conn.execute(stmt, {'name': name})\n",
            "sql",
        ),
        # an argument list without a shell
        (
            "app/ping.py",
            "import subprocess\ndef ping(request):\n    host = request.POST['host']\n"
            "    return subprocess.run(['ping', '-c', '1', host], capture_output=True)\n",
            "shell",
        ),
        # Go: the query is a constant, the input a bound argument after the context
        (
            "api/orders.go",
            "package api\nfunc List(w http.ResponseWriter, r *http.Request) {\n"
            '  status := r.URL.Query().Get("status")\n'
            '  const query = "SELECT id FROM orders WHERE status = $1"\n'
            "  rows, _ := db.QueryContext(r.Context(), query, status)\n  _ = rows\n}\n",
            "sql",
        ),
        # Go: a fixed program run with a context, its argument checked by a regular expression
        (
            "cmd/lookup.go",
            "package main\nfunc Lookup(w http.ResponseWriter, r *http.Request) {\n"
            '  host := r.FormValue("host")\n  if !hostname.MatchString(host) {\n    return\n  }\n'
            '  exec.CommandContext(r.Context(), "nslookup", "--", host).Run()\n}\n',
            "shell",
        ),
        # Java: a literal program with separate arguments, no shell
        (
            "src/main/java/Thumbs.java",
            "class T {\n  void t(HttpServletRequest request) throws Exception {\n"
            '    String name = request.getParameter("n");\n'
            '    new ProcessBuilder("convert", "/srv/" + name, "out.png").start();\n  }\n}\n',
            "shell",
        ),
    ],
)
def test_constant_queries_argument_lists_and_checked_inputs_are_not_challenged(path, code, kind):
    assert of_kind(path, code, kind) == []


def test_an_argument_list_that_runs_a_shell_is_challenged():
    code = (
        "import subprocess\ndef run(request):\n    cmd = request.POST['cmd']\n"
        "    subprocess.run(['bash', '-c', cmd])\n"
    )
    assert [a.line for a in of_kind("app/run.py", code, "shell")] == [4]


@pytest.mark.parametrize(
    ("path", "code", "kind", "prompt"),
    [
        (
            "app/ops.py",
            "import os\ndef run():\n    os.system(build_command())\n",
            "shell",
            "`build_command()` never reaches the shell command in `os.system` on line 3 unchecked "
            "(in app/ops.py).",
        ),
        (
            "app/sh.py",
            "import sh\ndef ls(path):\n    sh.ls('-a ' + path)\n",
            "shell",
            "`path` (line 2) never reaches the shell command in `sh.ls` on line 3 unchecked "
            "(in app/sh.py).",
        ),
        (
            "dags/d.py",
            "def make(msg):\n    return BashOperator(task_id='t', bash_command=f'echo {msg}')\n",
            "shell",
            "`msg` (line 1) never reaches the shell command in `BashOperator` on line 2 unchecked "
            "(in dags/d.py).",
        ),
        (
            "app/exe.py",
            "import asyncio\nasync def run(request):\n    code = request.POST['code']\n"
            "    await loop.run_in_executor(None, exec, code)\n",
            "code",
            "`code` (line 3) never reaches the code run by `loop.run_in_executor` on line 4 "
            "unchecked (in app/exe.py).",
        ),
        (
            "src/calc.js",
            "app.get('/c', (req, res) => {\n  const expr = req.query.e;\n"
            "  res.send(String(eval(expr)));\n});\n",
            "code",
            "`expr` (line 2) never reaches the code run by `eval` on line 3 unchecked "
            "(in src/calc.js).",
        ),
        (
            "src/main/java/A.java",
            "class A {\n  void a(HttpServletRequest request) throws Exception {\n"
            '    String param = request.getParameter("p");\n    String bar = param;\n'
            "    Object r = engine.eval(bar);\n  }\n}\n",
            "code",
            "`param` (line 3, via `bar` on line 4) never reaches the code run by `engine.eval` on "
            "line 5 unchecked (in src/main/java/A.java).",
        ),
    ],
)
def test_commands_and_code_built_at_run_time_are_challenged(path, code, kind, prompt):
    assert prompt in [a.prompt for a in of_kind(path, code, kind)]


@pytest.mark.parametrize(
    ("path", "code", "kind", "line"),
    [
        (
            "src/run.js",
            "function run(cmd) {\n  return shell.exec(cmd, { silent: true });\n}\n",
            "shell",
            2,
        ),
        (
            "src/shot.js",
            "async function shot(page, url) {\n  await page.goto(url);\n}\n",
            "browser",
            2,
        ),
        (
            "src/shot.js",
            "async function run(page, code) {\n  await page.evaluate(code);\n}\n",
            "browser",
            2,
        ),
        ("src/calc.js", "function calc(expr) {\n  return eval(`(${expr})`);\n}\n", "code", 2),
        (
            "src/main/java/S.java",
            "class S {\n  Object s(GroovyShell shell, String script) {\n"
            "    return shell.evaluate(script);\n  }\n}\n",
            "code",
            3,
        ),
    ],
)
def test_more_command_code_and_url_sinks(path, code, kind, line):
    assert line in [a.line for a in of_kind(path, code, kind)]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("const ls = spawn('ls', ['-lh', dir], { shell: true });\n", "shell"),
        ("const p = Deno.run({ cmd: [program, 'hello'] });\n", "shell"),
        ("window[message.name](message.payload);\n", "code"),
    ],
)
def test_javascript_shells_in_options_and_methods_by_name(code, kind):
    assert [a.line for a in of_kind("src/a.js", code, kind)] == [1]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("q := fmt.Sprintf(\"SELECT * FROM users WHERE email = '%s'\", email)\n", "sql"),
        ("var page template.HTML = template.HTML(body)\n", "template"),
        ('import "text/template"\n', "template"),
        ("w.Write([]byte(fmt.Sprintf(tpl, name)))\n", "template"),
    ],
)
def test_go_sql_text_and_unescaped_markup_are_challenged(code, kind):
    assert [a.line for a in of_kind("web/h.go", code, kind)] == [1]


@pytest.mark.parametrize(
    ("code", "asked"),
    [
        ("import yaml\ndef f(s):\n    return list(yaml.load_all(s, Loader=yaml.Loader))\n", True),
        (
            "import yaml\ndef f(s):\n    return list(yaml.load_all(s, Loader=yaml.SafeLoader))\n",
            False,
        ),
        ("import torch\ndef f(p):\n    return torch.load(p)\n", True),
        ("import torch\ndef f(p):\n    return torch.load(p, weights_only=True)\n", False),
        ("import numpy as np\ndef f(p):\n    return np.load(p, allow_pickle=True)\n", True),
        ("import numpy as np\ndef f(p):\n    return np.load(p)\n", False),
        ("from ruamel.yaml import YAML\ny = YAML(typ='unsafe')\n", True),
    ],
)
def test_more_python_deserializers_and_their_safe_forms(code, asked):
    assert bool(of_kind("app/m.py", code, "deserialize")) is asked


_SERVLET_BAR = (
    "class A {\n  void a(HttpServletRequest request) throws Exception {\n"
    '    String param = request.getParameter("p");\n    String bar = param;\n'
)


@pytest.mark.parametrize(
    ("path", "code", "kind", "line"),
    [
        # Java SQL methods by name, whatever the receiver, the query in any argument
        (
            "src/main/java/A.java",
            _SERVLET_BAR
            + '    jdbcTemplate.batchUpdate("UPDATE t SET n = \'" + bar + "\'");\n  }\n}\n',
            "sql",
            5,
        ),
        (
            "src/main/java/A.java",
            _SERVLET_BAR + '    pm.newQuery(User.class, "name == " + bar);\n  }\n}\n',
            "sql",
            5,
        ),
        # asyncpg, and SQLAlchemy clauses given raw SQL text
        (
            "app/q.py",
            "async def q(request, conn):\n    name = request.GET['n']\n"
            "    return await conn.fetch(f\"SELECT * FROM u WHERE n = '{name}'\")\n",
            "sql",
            3,
        ),
        (
            "app/q.py",
            "def q(request, query):\n    col = request.GET['c']\n"
            "    return query.order_by('{}'.format(col))\n",
            "sql",
            3,
        ),
        # Go: the query after a context written as a call
        (
            "web/q.go",
            "package web\nfunc Q(w http.ResponseWriter, r *http.Request) {\n"
            '  name := r.FormValue("n")\n'
            '  db.QueryContext(r.Context(), "SELECT * FROM u WHERE n = \'" + name + "\'")\n}\n',
            "sql",
            4,
        ),
        # XML parsed from input, a SAX feature turned on, xmltodict's entities
        (
            "src/main/java/A.java",
            _SERVLET_BAR
            + "    Document d = builder.parse(new ByteArrayInputStream(bar.getBytes()));\n  }\n}\n",
            "xxe",
            5,
        ),
        (
            "app/x.py",
            "import xml.sax\np = xml.sax.make_parser()\n"
            "p.setFeature(xml.sax.handler.feature_external_ges, True)\n",
            "xxe",
            3,
        ),
        (
            "app/x.py",
            "import xmltodict\ndef f(s):\n    return xmltodict.parse(s, disable_entities=False)\n",
            "xxe",
            3,
        ),
        # the session updated from the request
        (
            "app/v.py",
            "def v(request):\n    request.session.update({'role': request.POST['role']})\n",
            "trust_boundary",
            2,
        ),
        # java.util.Random for a token
        (
            "src/main/java/T.java",
            "class T {\n  String token() {\n"
            "    return Long.toString(new java.util.Random().nextLong());\n  }\n}\n",
            "weak_random",
            3,
        ),
        # code run by an interpreter, SpEL, a non-literal require
        (
            "app/c.py",
            "import code\ndef run(request):\n    src = request.POST['src']\n"
            "    code.InteractiveInterpreter().runsource(src)\n",
            "code",
            4,
        ),
        (
            "src/main/java/E.java",
            _SERVLET_BAR + "    Object v = parser.parseExpression(bar).getValue();\n  }\n}\n",
            "code",
            5,
        ),
        ("src/load.js", "function load(name) {\n  return require(name);\n}\n", "code", 2),
        # the os spawn family, asyncio's exec of a shell with separate arguments
        (
            "app/c.py",
            "import os\ndef run(request):\n    cmd = request.POST['cmd']\n"
            "    os.spawnlp(os.P_WAIT, cmd)\n",
            "shell",
            4,
        ),
        (
            "app/c.py",
            "import asyncio\nasync def run(request):\n    arg = request.POST['a']\n"
            "    await asyncio.create_subprocess_exec('sh', '-c', arg)\n",
            "shell",
            4,
        ),
        # a headless browser given markup
        (
            "src/p.js",
            "async function render(page, html) {\n  await page.setContent(html);\n}\n",
            "browser",
            2,
        ),
    ],
)
def test_each_new_sink_is_challenged(path, code, kind, line):
    assert [a.line for a in of_kind(path, code, kind)] == [line]


def test_asyncio_exec_of_a_fixed_program_with_separate_arguments_is_not_a_command():
    code = (
        "import asyncio\nasync def run(request):\n    host = request.POST['h']\n"
        "    await asyncio.create_subprocess_exec('ping', '-c', '1', host)\n"
    )
    assert of_kind("app/c.py", code, "shell") == []


def test_go_constant_markup_and_placeholders_are_not_challenged():
    code = (
        'const banner = template.HTML("<b>hi</b>")\n'
        'rows, _ := db.Query("SELECT id FROM users WHERE email = $1", email)\n'
    )
    assert of_kind("web/h.go", code, "template") == []
    assert of_kind("web/h.go", code, "sql") == []


@pytest.mark.parametrize(
    ("path", "code", "line"),
    [
        ("src/tree.js", "this.$el = jQuery('<span>' + nodeName + '</span>');\n", 1),
        ("src/menu.js", "$('.inner').append(userInput);\n", 1),
        ("src/ng.js", "$scope.trusted = $sce.trustAsHtml($scope.html);\n", 1),
        ("src/page.js", "const html = '<h1>message: ' + req.query.message + '</h1>';\n", 1),
        ("src/page.js", "el.insertAdjacentHTML('beforeend', `<li>${item.name}</li>`);\n", 1),
    ],
)
def test_javascript_html_from_values_and_trusted_markup_are_challenged(path, code, line):
    assert [a.line for a in of_kind(path, code, "template")] == [line]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("src/page.js", "const html = '<h1>' + escapeHtml(name) + '</h1>';\n"),
        ("src/menu.js", "$(document).ready(init);\n"),
        (
            "src/Bio.tsx",
            "<div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(bio) }} />\n",
        ),
        (
            "src/main/java/G.java",
            "class G {\n  void g(HttpServletRequest request) throws Exception {\n"
            '    String v = request.getParameter("name");\n'
            '    StringBuilder page = new StringBuilder("<h1>");\n'
            "    page.append(Encode.forHtml(v));\n    out.println(page.toString());\n  }\n}\n",
        ),
    ],
)
def test_escaped_or_sanitized_markup_is_not_challenged(path, code):
    assert of_kind(path, code, "template") == []


def test_a_process_builder_that_runs_a_shell_is_challenged():
    code = (
        "class T {\n  void t(HttpServletRequest request) throws Exception {\n"
        '    String name = request.getParameter("n");\n'
        '    new ProcessBuilder("sh", "-c", "convert " + name).start();\n  }\n}\n'
    )
    assert [a.line for a in of_kind("src/main/java/Thumbs.java", code, "shell")] == [4]


def test_a_pattern_kept_in_a_constant_is_read_for_nested_quantifiers():
    nested = "import re\nREDOS = r'^(a+)+$'\nmatcher = re.compile(REDOS)\n"
    plain = "import re\nDIGITS = r'^[0-9]+$'\nmatcher = re.compile(DIGITS)\n"
    assert [a.line for a in of_kind("app/v.py", nested, "regex")] == [3]
    assert of_kind("app/v.py", plain, "regex") == []


def test_a_random_value_that_guards_nothing_is_not_challenged():
    shuffle = "import random\ndef deal(cards):\n    random.shuffle(cards)\n    return cards\n"
    assert of_kind("app/cards.py", shuffle, "weak_random") == []


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("from Crypto.Hash import MD5 as md5\nh = md5.new()\n", 2),
        ("from cryptography.hazmat.primitives import hashes\nd = hashes.Hash(hashes.SHA1())\n", 2),
        (
            "from cryptography.hazmat.primitives.asymmetric import rsa\n"
            "k = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n",
            2,
        ),
        ("from OpenSSL import SSL\nctx = SSL.Context(SSL.TLSv1_METHOD)\n", 2),
        ("from hashids import Hashids\nh = Hashids(salt=settings.SECRET_KEY)\n", 2),
        ("import hashlib\nd = hashlib.new('DSS', data)\n", 2),
        ("SIMPLE_JWT = {\n    'ALGORITHM': 'none',\n}\n", 2),
    ],
)
def test_weak_primitives_by_their_import_path_are_challenged(code, line):
    assert line in [a.line for a in of_kind("app/c.py", code, "crypto")]


def test_markup_left_unescaped_for_whatever_it_holds_is_challenged():
    code = (
        "from django.utils.safestring import SafeString\nfrom jinja2 import Environment\n"
        "class Trusted(SafeString):\n    pass\nenv = Environment(loader=None)\n"
        "@register.filter(is_safe=True)\ndef shout(value):\n    return value.upper()\n"
        "def page(request):\n"
        "    return render_template('mail.txt', name=request.args.get('n'))\n"
    )
    found = of_kind("app/t.py", code, "template")
    assert [a.line for a in found] == [3, 5, 6, 10]
    assert found[1].prompt == (
        "No value a user controls reaches the markup `Environment` leaves unescaped on line 5 "
        "(in app/t.py)."
    )
    safe = (
        "from jinja2 import Environment, select_autoescape\n"
        "env = Environment(autoescape=select_autoescape())\n"
        "def page(request):\n"
        "    return render_template('page.html', name=request.args.get('n'))\n"
    )
    assert of_kind("app/t.py", safe, "template") == []


def test_a_digest_declared_not_for_security_is_not_challenged():
    code = "import hashlib\nkey = hashlib.md5(b'x', usedforsecurity=False).hexdigest()\n"
    assert of_kind("app/cache.py", code, "crypto") == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("pkg/h.go", 'package h\nimport "crypto/md5"\n'),
        ("pkg/t.go", "package t\nvar c = tls.Config{MinVersion: tls.VersionTLS10}\n"),
        ("src/h.js", "const h = CryptoJS.MD5(user.email);\n"),
        ("src/D.java", "class D extends java.security.MessageDigest {}\n"),
    ],
)
def test_weak_packages_versions_and_home_made_digests_are_challenged(path, code):
    assert of_kind(path, code, "crypto") != []


@pytest.mark.parametrize(
    "code",
    [
        "class T implements X509TrustManager {\n}\n",
        "public void checkServerTrusted(X509Certificate[] c, String a) {\n}\n",
        "tls.setDisableCNCheck(true);\n",
        'SSLContext sc = SSLContext.getInstance("SSL");\n',
    ],
)
def test_java_trust_managers_of_their_own_are_challenged(code):
    assert of_kind("src/T.java", code, "tls_verify") != []


def test_a_signed_jwt_setting_is_not_challenged():
    assert of_kind("app/settings.py", "SIMPLE_JWT = {'ALGORITHM': 'HS256'}\n", "crypto") == []


def test_strong_primitives_are_not_challenged():
    code = (
        "from cryptography.hazmat.primitives import hashes\n"
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "d = hashes.Hash(hashes.SHA256())\n"
        "k = rsa.generate_private_key(public_exponent=65537, key_size=3072)\n"
    )
    assert of_kind("app/c.py", code, "crypto") == []


def test_an_algorithm_chosen_at_run_time_is_challenged():
    code = "import hashlib\ndef digest(name, data):\n    return hashlib.new(name, data).digest()\n"
    assert [a.line for a in of_kind("app/d.py", code, "crypto")] == [3]
    java = (
        "class A {\n  void a() throws Exception {\n"
        "    Cipher c = Cipher.getInstance(algorithm);\n  }\n}\n"
    )
    assert [a.prompt for a in of_kind("src/A.java", java, "crypto")] == [
        "`Cipher.getInstance` on line 3 is an adequate choice of hash or cipher (in src/A.java)."
    ]


# (kind, path, code, expected prompt) in the other languages: line patterns
OTHER_CASES = [
    (
        "sql",
        "src/orders.ts",
        "const rows = await db.query(`SELECT * FROM o WHERE id = ${req.params.id}`);\n",
        "`req.params.id` never reaches the SQL in `query` on line 1 unchecked (in src/orders.ts).",
    ),
    (
        "shell",
        "src/run.js",
        "const { exec } = require('child_process');\nexec(cmd);\n",
        "`cmd` never reaches the shell command in `child_process.exec` on line 2 unchecked "
        "(in src/run.js).",
    ),
    (
        "path",
        "src/files.js",
        "fs.readFile(path.join(base, req.query.file), cb);\n",
        "`req.query.file` never reaches the file path in `fs` on line 1 unchecked "
        "(in src/files.js).",
    ),
    (
        "redirect",
        "src/login.js",
        "res.redirect(req.query.next);\n",
        "`req.query.next` never reaches the redirect target of `res.redirect` on line 1 unchecked "
        "(in src/login.js).",
    ),
    (
        "template",
        "src/view.js",
        "el.innerHTML = html;\n",
        "`html` never reaches the HTML/template built by `innerHTML` on line 1 unchecked "
        "(in src/view.js).",
    ),
    (
        "deserialize",
        "src/main/java/Load.java",
        "ObjectInputStream in = new ObjectInputStream(socket.getInputStream());\n",
        "User input never reaches the deserializer `ObjectInputStream` on line 1 unchecked "
        "(in src/main/java/Load.java).",
    ),
    (
        "sql",
        "src/main/java/Users.java",
        'ResultSet rs = stmt.executeQuery("SELECT * FROM u WHERE n = \'" + name + "\'");\n',
        "`name` never reaches the SQL in `executeQuery` on line 1 unchecked "
        "(in src/main/java/Users.java).",
    ),
    (
        "cookie_flags",
        "src/main/java/Session.java",
        'Cookie c = new Cookie("sid", value);\n',
        "The cookie set by `new Cookie` on line 1 needs no Secure/HttpOnly flags "
        "(in src/main/java/Session.java).",
    ),
    (
        "authz",
        "src/main/java/Admin.java",
        '@GetMapping("/admin/users")\n',
        "The new endpoint `/admin/users` on line 1 needs no authentication or permission check "
        "(in src/main/java/Admin.java).",
    ),
    (
        "ssrf",
        "proxy.go",
        "resp, err := http.Get(target)\n",
        "`target` never reaches the URL fetched by `http.Get` (SSRF) on line 1 unchecked "
        "(in proxy.go).",
    ),
    (
        "shell",
        "run.go",
        'cmd := exec.Command("sh", "-c", userCmd)\n',
        "`userCmd` never reaches the shell command in `exec.Command` on line 1 unchecked "
        "(in run.go).",
    ),
    (
        "tls_verify",
        "client.go",
        "tr := &tls.Config{InsecureSkipVerify: true}\n",
        "Turning TLS certificate verification off in `tls.Config` on line 1 is safe "
        "(in client.go).",
    ),
    (
        "parse",
        "page.go",
        "n, err := strconv.Atoi(s)\n",
        "`strconv.Atoi` of `s` on line 1 always succeeds and stays in range (in page.go).",
    ),
]


OTHER_CASES += [
    (
        "trust_boundary",
        "src/prefs.js",
        "app.post('/prefs', (req, res) => { req.session.theme = req.body.theme; });\n",
        "`req.body.theme` never reaches the session data stored by `req.session` on line 1 "
        "unchecked (in src/prefs.js).",
    ),
    (
        "trust_boundary",
        "web/prefs.go",
        'session.Values["role"] = r.FormValue("role")\n',
        '`r.FormValue("role")` never reaches the session data stored by `session.Values` on line '
        "1 unchecked (in web/prefs.go).",
    ),
    (
        "xxe",
        "src/main/java/Feed.java",
        "DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();\n",
        "The XML parser of `DocumentBuilderFactory.newInstance` on line 1 resolves no external "
        "entities or DTDs and bounds entity expansion (in src/main/java/Feed.java).",
    ),
    (
        "xxe",
        "src/main/java/Feed.java",
        'spf.setFeature("http://xml.org/sax/features/external-general-entities", true);\n',
        "The XML parser of `setFeature` on line 1 resolves no external entities or DTDs and "
        "bounds entity expansion (in src/main/java/Feed.java).",
    ),
    (
        "xxe",
        "src/feed.js",
        "const doc = libxmljs.parseXml(body, { noent: true });\n",
        "The XML parser of `libxmljs.parseXml` on line 1 resolves no external entities or DTDs "
        "and bounds entity expansion (in src/feed.js).",
    ),
    (
        "xxe",
        "feed/parse.go",
        "doc, err := parser.ParseString(s, parser.ParseOptionNoEnt)\n",
        "The XML parser of `libxml2 parser` on line 1 resolves no external entities or DTDs and "
        "bounds entity expansion (in feed/parse.go).",
    ),
    (
        "crypto",
        "src/main/java/Keys.java",
        'SecretKey key = KeyGenerator.getInstance("DES").generateKey();\n',
        "`KeyGenerator.getInstance` on line 1 is an adequate choice of hash or cipher (in "
        "src/main/java/Keys.java).",
    ),
]


@pytest.mark.parametrize(
    ("kind", "path", "code", "prompt"), OTHER_CASES, ids=[f"{c[1]}-{c[0]}" for c in OTHER_CASES]
)
def test_other_languages_by_line_pattern(kind, path, code, prompt):
    assert [a.prompt for a in of_kind(path, code, kind)] == [prompt]


@pytest.mark.parametrize(
    ("path", "code", "kind"),
    [
        ("src/orders.ts", "const rows = await db.query('SELECT 1', [id]);\n", "sql"),
        ("src/run.js", "exec('ls -l');\n", "shell"),
        ("src/login.js", "res.redirect('/home');\n", "redirect"),
        ("run.go", 'exec.Command("ls", "-l")\n', "shell"),
        # the file turns DTDs off on the factory it creates
        (
            "src/main/java/Feed.java",
            "DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();\n"
            'dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);\n',
            "xxe",
        ),
        # math/rand for a jitter, in a function that guards nothing
        (
            "retry/backoff.go",
            'package retry\nimport "math/rand"\nfunc Jitter() int {\n  return rand.Intn(100)\n}\n',
            "weak_random",
        ),
        # crypto/rand is the one imported
        (
            "auth/token.go",
            'package auth\nimport "crypto/rand"\nfunc Token(b []byte) {\n  rand.Read(b)\n}\n',
            "weak_random",
        ),
        (
            "src/Session.js",
            "res.cookie('sid', v, { httpOnly: true, secure: true });\n",
            "cookie_flags",
        ),
        (
            "src/main/java/Admin.java",
            '@PreAuthorize("hasRole(\'ADMIN\')") @GetMapping("/a")\n',
            "authz",
        ),
    ],
)
def test_other_languages_safe_forms_yield_nothing(path, code, kind):
    assert of_kind(path, code, kind) == []


def test_only_ai_written_lines_produce_assumptions():
    code = "import os\ndef a(x):\n    os.system(x)\ndef b(y):\n    os.system(y)\n"

    found = generate("app/x.py", code, ai_lines={5})

    assert [(a.kind, a.line) for a in found] == [("shell", 5)]


def test_python_that_does_not_parse_falls_back_to_line_patterns():
    # a hunk of a function body, without its def: not valid Python on its own
    code = '        cursor.execute(f"SELECT * FROM t WHERE id = {ident}")\n    )\n'

    found = generate("app/broken.py", code)

    assert [(a.kind, a.line) for a in found] == [("sql", 1)]
    assert found[0].prompt == (
        "User input never reaches the SQL in `execute` on line 1 unchecked (in app/broken.py)."
    )


def test_key_hashes_the_normalised_line_so_moved_code_keeps_its_key():
    moved = "\n\n\nimport os\ndef run(target):\n        os.system('ping ' + target)\n"
    original = "import os\ndef run(target):\n    os.system('ping ' + target)\n"

    first = of_kind("app/run.py", original, "shell")[0]
    second = of_kind("app/run.py", moved, "shell")[0]

    digest = hashlib.sha256(b"os.system('ping ' + target)").hexdigest()[:16]
    assert first.key == second.key == f"assumption:shell:app/run.py:{digest}"
    assert (first.line, second.line) == (3, 6)


def test_same_line_twice_gets_distinct_keys_and_one_item_per_kind_and_line():
    code = "import os\ndef run(t):\n    os.system(t)\n    os.system(t)\n"

    found = of_kind("app/run.py", code, "shell")

    assert [a.line for a in found] == [3, 4]
    assert found[1].key == found[0].key + ":2"


def test_long_path_key_is_hashed_to_fit_the_column():
    path = "deep/" * 60 + "run.py"

    key = assumption_key("shell", path, "os.system(t)")

    assert len(key) <= 200
    assert key.startswith("assumption:shell:sha256:")


def test_files_over_one_mebibyte_are_skipped():
    code = "import os\ndef run(t):\n    os.system(t)\n" + "#" * (1024 * 1024)

    assert generate("app/big.py", code, ai_lines={3}) == []


def test_at_most_the_limit_is_generated_per_revision():
    code = "import os\ndef run(t):\n" + "".join(f"    os.system(t + '{i}')\n" for i in range(150))
    sources = [
        AssumptionSource(path=f"app/m{n}.py", text=code, ai_lines=frozenset(range(1, 200)))
        for n in range(2)
    ]

    found = assumptions_generate(sources)

    assert len(found) == MAX_ASSUMPTIONS == 200
    assert found[-1].path == "app/m1.py"


def test_hostile_names_are_bounded_and_kept_on_one_line():
    name = "x" * 500
    code = f"import os\ndef run({name}):\n    os.system({name})\n"

    prompt = of_kind("app/run.py", code, "shell")[0].prompt

    assert "\n" not in prompt
    assert f"`{'x' * 59}…` (line 2)" in prompt
    assert len(prompt) < 300


def test_unknown_language_yields_nothing():
    assert generate("notes.txt", "os.system(x)\n") == []


# --- every input, in every language (issue 14) ---------------------------------------------------


def test_every_input_that_reaches_a_sink_is_challenged_not_only_the_first():
    code = (
        "def report(cursor, customer, sort):\n"
        "    cursor.execute(\"SELECT * FROM o WHERE c = '%s' ORDER BY %s\" % (customer, sort))\n"
    )
    prompts = [a.prompt for a in of_kind("app/report.py", code, "sql")]
    assert prompts == [
        "`customer` (line 1) never reaches the SQL in `cursor.execute` on line 2 unchecked "
        "(in app/report.py).",
        "`sort` (line 1) never reaches the SQL in `cursor.execute` on line 2 unchecked "
        "(in app/report.py).",
    ]
    keys = [a.key for a in of_kind("app/report.py", code, "sql")]
    assert len(set(keys)) == 2


def test_a_path_built_from_two_inputs_challenges_both():
    code = (
        "def export_receipt(order_id, out_dir):\n"
        '    with open(f"{out_dir}/{order_id}.pdf", "wb") as f:\n'
        "        f.write(b'')\n"
    )
    subjects = [a.prompt.split(" never", 1)[0] for a in of_kind("app/r.py", code, "path")]
    assert subjects == ["`out_dir` (line 1)", "`order_id` (line 1)"]


FLOW_CASES = [
    (
        "sql",
        "src/main/java/Orders.java",
        "class Orders {\n"
        '  @GetMapping("/orders")\n'
        "  String find(@RequestParam String id) {\n"
        '    StringBuilder sb = new StringBuilder("SELECT * FROM o WHERE id = ");\n'
        "    sb.append(id);\n"
        "    return jdbcTemplate.queryForObject(sb.toString(), String.class);\n"
        "  }\n}\n",
        "`id` (via `sb`, line 5) never reaches the SQL in `jdbcTemplate.queryForObject` on line 6 "
        "unchecked (in src/main/java/Orders.java).",
    ),
    (
        "shell",
        "cmd/run.go",
        "package main\n"
        "func run(w http.ResponseWriter, r *http.Request) {\n"
        '  name := r.URL.Query().Get("name")\n'
        '  cmd := fmt.Sprintf("ls %s", name)\n'
        '  out, _ := exec.Command("sh", "-c", cmd).Output()\n'
        "  w.Write(out)\n}\n",
        "`name` (line 3, via `cmd` on line 4) never reaches the shell command in `exec.Command` "
        "on line 5 "
        "unchecked (in cmd/run.go).",
    ),
    (
        "shell",
        "src/build.js",
        "const util = require('util');\n"
        "const { exec } = require('child_process');\n"
        "const run = util.promisify(exec);\n"
        "app.post('/build', async (req, res) => {\n"
        "  const { name } = req.body;\n"
        "  const out = await run(`make ${name}`);\n"
        "  res.send(out.stdout);\n});\n",
        "`name` (line 5) never reaches the shell command in `run` on line 6 unchecked "
        "(in src/build.js).",
    ),
    (
        "regex",
        "src/search.ts",
        "export function search(req: Request, items: string[]) {\n"
        "  const q = req.query.q as string;\n"
        "  const re = new RegExp(q);\n"
        "  return items.filter((i) => re.test(i));\n}\n",
        "`q` (line 2) never reaches the regular expression in `new RegExp` (ReDoS) on line 3 "
        "unchecked "
        "(in src/search.ts).",
    ),
    (
        "sql",
        "store/users.go",
        "package store\n"
        "func Find(db *sql.DB, r *http.Request) {\n"
        '  name := r.FormValue("name")\n'
        "  q := fmt.Sprintf(\"SELECT * FROM u WHERE n = '%s'\", name)\n"
        "  db.Query(q)\n}\n",
        "`name` (line 3, via `q` on line 4) never reaches the SQL in `db.Query` on line 5 "
        "unchecked "
        "(in store/users.go).",
    ),
    (
        "ssrf",
        "proxy/fetch.go",
        "package proxy\n"
        "func Fetch(w http.ResponseWriter, r *http.Request) {\n"
        '  target := r.URL.Query().Get("url")\n'
        "  resp, _ := http.Get(target)\n"
        "  io.Copy(w, resp.Body)\n}\n",
        "`target` (line 3) never reaches the URL fetched by `http.Get` (SSRF) on line 4 unchecked "
        "(in proxy/fetch.go).",
    ),
]


_JAVA_SERVLET = (
    "class A {\n  void a(javax.servlet.http.HttpServletRequest request) throws Exception {\n"
    '    String param = request.getParameter("p");\n    String bar = param;\n'
)
FLOW_CASES += [
    (
        "xpath",
        "src/main/java/A.java",
        _JAVA_SERVLET
        + '    String r = xp.evaluate("/Staff/Person[@id=\'" + bar + "\']", doc);\n  }\n}\n',
        "`param` (line 3, via `bar` on line 4) never reaches the XPath expression in "
        "`xp.evaluate` on line 5 unchecked (in src/main/java/A.java).",
    ),
    (
        "ldap",
        "src/main/java/A.java",
        _JAVA_SERVLET + '    ctx.search("ou=users", "(uid=" + bar + ")", sc);\n  }\n}\n',
        "`param` (line 3, via `bar` on line 4) never reaches the LDAP filter or name in "
        "`ctx.search` on line 5 unchecked (in src/main/java/A.java).",
    ),
    # the package-qualified constructors and a runtime kept in a variable
    (
        "path",
        "src/main/java/A.java",
        _JAVA_SERVLET + "    java.io.File f = new java.io.File(bar);\n  }\n}\n",
        "`param` (line 3, via `bar` on line 4) never reaches the file path in `new java.io.File` "
        "on line 5 unchecked (in src/main/java/A.java).",
    ),
    (
        "shell",
        "src/main/java/A.java",
        _JAVA_SERVLET
        + '    Runtime r = Runtime.getRuntime();\n    r.exec("echo " + bar);\n  }\n}\n',
        "`param` (line 3, via `bar` on line 4) never reaches the shell command in `r.exec` on "
        "line 6 unchecked (in src/main/java/A.java).",
    ),
]


FLOW_CASES += [
    # a loop's variable carries what it walks, even when it is named like a framework's context
    (
        "path",
        "src/main/java/A.java",
        "class A {\n  void a(HttpServletRequest request) throws Exception {\n"
        '    String param = "";\n    for (Cookie c : request.getCookies()) {\n'
        "      param = c.getValue();\n    }\n    java.io.File f = new java.io.File(param);\n"
        "  }\n}\n",
        "`c` (line 4, via `param` on line 5) never reaches the file path in `new java.io.File` "
        "on line 7 unchecked (in src/main/java/A.java).",
    ),
    (
        "path",
        "src/files.js",
        "app.get('/f', (req, res) => {\n  for (const name of req.query.files) {\n"
        "    fs.readFile(name, () => {});\n  }\n});\n",
        "`name` (line 2) never reaches the file path in `fs.readFile` on line 3 unchecked "
        "(in src/files.js).",
    ),
    (
        "path",
        "web/files.go",
        "package web\nfunc F(w http.ResponseWriter, r *http.Request) {\n"
        '  for _, name := range r.URL.Query()["f"] {\n    os.ReadFile(name)\n  }\n}\n',
        "`name` (line 3) never reaches the file path in `os.ReadFile` on line 4 unchecked "
        "(in web/files.go).",
    ),
    # a request wrapper's parameter getter reads input
    (
        "sql",
        "src/main/java/A.java",
        "class A {\n  void a(HttpServletRequest request) throws Exception {\n"
        "    Wrapped scr = new Wrapped(request);\n"
        '    String param = scr.getTheParameter("p");\n'
        '    statement.executeQuery("SELECT * FROM u WHERE n = \'" + param + "\'");\n  }\n}\n',
        "`param` (line 4) never reaches the SQL in `statement.executeQuery` on line 5 unchecked "
        "(in src/main/java/A.java).",
    ),
    # a helper given the request and an input returns the input's value, not the request's
    (
        "sql",
        "src/main/java/A.java",
        _JAVA_SERVLET
        + "    String sql = new Helper().clean(request, bar);\n    statement.executeQuery(sql);\n"
        "  }\n}\n",
        "`param` (line 3, via `sql` on line 5) never reaches the SQL in `statement.executeQuery` "
        "on line 6 unchecked (in src/main/java/A.java).",
    ),
    # a comment that names the input and a check's word ("case") is no check
    (
        "sql",
        "src/main/java/A.java",
        _JAVA_SERVLET + "    // a case where bar reaches the query\n"
        '    statement.executeQuery("SELECT * FROM u WHERE n = \'" + bar + "\'");\n  }\n}\n',
        "`param` (line 3, via `bar` on line 4) never reaches the SQL in `statement.executeQuery` "
        "on line 6 unchecked (in src/main/java/A.java).",
    ),
    # a servlet's response is HTML: request data written to it as it is
    (
        "template",
        "src/main/java/A.java",
        _JAVA_SERVLET + "    response.getWriter().println(bar);\n  }\n}\n",
        "`param` (line 3, via `bar` on line 4) never reaches the HTML/template built by "
        "`response.getWriter().println` on line 5 unchecked (in src/main/java/A.java).",
    ),
]


@pytest.mark.parametrize(("kind", "path", "code", "prompt"), FLOW_CASES)
def test_flows_through_builders_and_helpers_reach_the_sink_in_every_language(
    kind, path, code, prompt
):
    assert prompt in [a.prompt for a in of_kind(path, code, kind)]


@pytest.mark.parametrize(
    ("path", "code", "kind"),
    [
        (
            "cmd/run.go",
            'package main\nfunc run(name string) {\n  exec.Command("ls", name).Run()\n}\n',
            "shell",
        ),
        (
            "src/build.js",
            "const { execFile } = require('child_process');\n"
            "function build(name) { execFile('make', [name]); }\n",
            "shell",
        ),
        (
            "store/users.go",
            "package store\nfunc Find(db *sql.DB, name string) {\n"
            '  db.Query("SELECT * FROM u WHERE n = $1", 7)\n}\n',
            "sql",
        ),
        (
            "src/main/java/A.java",
            _JAVA_SERVLET
            + "    response.getWriter().println(ESAPI.encoder().encodeForHTML(bar));\n  }\n}\n",
            "template",
        ),
    ],
)
def test_safe_forms_in_other_languages_get_no_flow_challenge(path, code, kind):
    assert of_kind(path, code, kind) == []


def test_every_challenge_says_why_it_was_asked_and_what_a_refutation_names():
    from reviewbench.checklist.assumptions import assumption_rationale

    for kind in KINDS:
        text = assumption_rationale(kind)
        assert text.startswith("Asked because"), kind
        assert "good refutation" in text, kind


# --- the code already shows the check: no question (issue 14, reviewer load) -----------------

GUARDED = [
    (
        "ssrf",
        "app/preview.py",
        "import requests\nfrom urllib.parse import urlparse\nALLOWED = {'github.com'}\n"
        "def preview(request):\n    url = request.GET['url']\n"
        "    if urlparse(url).hostname not in ALLOWED:\n        raise ValueError(url)\n"
        "    return requests.get(url, timeout=5).text\n",
    ),
    (
        "path",
        "app/files.py",
        "import os\nBASE = '/srv/files'\ndef read(request):\n    name = request.GET['f']\n"
        "    full = os.path.realpath(os.path.join(BASE, name))\n"
        "    if not full.startswith(BASE + os.sep):\n        raise ValueError(name)\n"
        "    return open(full).read()\n",
    ),
    (
        "regex",
        "app/search.py",
        "import re\ndef search(request, items):\n    term = re.escape(request.GET['q'])\n"
        "    pattern = re.compile(term)\n    return [i for i in items if pattern.search(i)]\n",
    ),
    (
        "redirect",
        "src/login.js",
        "const SAFE = new Set(['/home', '/account']);\n"
        "app.get('/done', requireLogin, (req, res) => {\n"
        "  const next = req.query.next;\n"
        "  if (!SAFE.has(next)) return res.redirect('/home');\n"
        "  res.redirect(next);\n});\n",
    ),
]


@pytest.mark.parametrize(("kind", "path", "code"), GUARDED, ids=[g[0] for g in GUARDED])
def test_an_input_checked_on_its_way_to_the_sink_is_not_challenged(kind, path, code):
    assert of_kind(path, code, kind) == []


def test_a_weak_prefix_check_on_an_unresolved_path_is_not_a_guard():
    code = (
        "import os\ndef read(request):\n    name = request.GET['f']\n"
        "    if not name.startswith('reports'):\n        raise ValueError(name)\n"
        "    return open(os.path.join('/srv', name)).read()\n"
    )
    assert [a.line for a in of_kind("app/files.py", code, "path")] == [6]


@pytest.mark.parametrize(
    ("path", "code", "kind"),
    [
        (
            "public/js/comments.js",
            "async function load(id) {\n  return fetch(`/c/${id}`);\n}\n",
            "ssrf",
        ),
        (
            "routes/preview.js",
            "const title = /<title>([^<]*)<\\/title>/i.exec(response.data);\n",
            "shell",
        ),
        (
            "routes/orders.js",
            "app.get('/o', (req, res) => {\n  try { load(); } catch (error) {\n"
            "    return res.status(400).json({ error: 'invalid order' });\n  }\n});\n",
            "error_details",
        ),
        (
            "app/client.py",
            "import urllib.request\nAPI = 'https://api.example.com'\ndef ping():\n"
            "    return urllib.request.urlopen(API, timeout=3)\n",
            "ssrf",
        ),
    ],
    ids=["browser-fetch", "regexp-exec", "error-key", "module-constant"],
)
def test_look_alikes_are_not_challenged(path, code, kind):
    assert of_kind(path, code, kind) == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("app.py", "@app.route('/login', methods=['POST'])\ndef do_login():\n    return 'ok'\n"),
        ("app.py", "@app.get('/api/healthz')\ndef probe():\n    return 'ok'\n"),
        ("views.py", "def sign_out(request):\n    return redirect('/')\n"),
        ("routes/auth.js", "router.post('/session', async (req, res) => res.send(1));\n"),
        ("src/main/java/Login.java", '@PostMapping("/remember-me")\n'),
        ("cmd/web/main.go", 'http.HandleFunc("/ping", pong)\n'),
    ],
)
def test_endpoints_public_by_design_get_no_authorization_challenge(path, code):
    assert of_kind(path, code, "authz") == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("app.py", "@app.route('/login/<user>/delete')\ndef remove(user):\n    return 'ok'\n"),
        ("routes/users.js", "router.get('/users/:id', (req, res) => res.send(1));\n"),
        ("src/main/java/Admin.java", '@GetMapping("/admin/sessions/{id}/kill")\n'),
        ("cmd/web/main.go", 'http.HandleFunc("/ping/all/purge", purge)\n'),
    ],
)
def test_an_endpoint_that_only_mentions_signing_in_is_still_challenged(path, code):
    assert len(of_kind(path, code, "authz")) == 1


@pytest.mark.parametrize(
    "code",
    [
        "func f() error {\n\tif err != nil { return nil }\n\treturn nil\n}\n",
        "func f() {\n\tfor {\n\t\tif err != nil { continue }\n\t}\n}\n",
        "func f() {\n\tif err != nil {\n\t}\n}\n",
        "func f() {\n\t_ = os.Remove(path)\n}\n",
    ],
)
def test_a_go_error_dropped_on_the_floor_is_challenged(code):
    assert len(of_kind("svc/clean.go", code, "error_swallowed")) == 1


def test_a_go_error_that_ends_the_request_is_not_swallowed():
    code = (
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        "\tout, err := run(r.Context())\n"
        "\tif err != nil {\n"
        '\t\thttp.Error(w, "lookup failed", http.StatusBadGateway)\n'
        "\t\treturn\n"
        "\t}\n"
        "\tw.Write(out)\n"
        "}\n"
    )
    assert of_kind("svc/lookup.go", code, "error_swallowed") == []


PY_DOWNLOAD = (
    "import os\n"
    "from flask import abort, request, send_file\n"
    "REPORTS = '/srv/reports'\n"
    "def download():\n"
    "    name = request.args.get('file')\n"
    "    path = {build}\n"
    "    if not path.startswith(REPORTS + os.sep):\n"
    "        abort(404)\n"
    "    return send_file(path)\n"
)


def test_a_resolved_path_checked_for_containment_is_not_challenged():
    code = PY_DOWNLOAD.format(build="os.path.realpath(os.path.join(REPORTS, name))")
    assert [a for a in of_kind("app.py", code, "path") if a.line == 9] == []


def test_a_prefix_check_on_an_unresolved_path_is_no_guard():
    # "/srv/reports/../../etc/passwd" starts with the base: only a resolved path can be checked
    code = PY_DOWNLOAD.format(build="os.path.join(REPORTS, name)")
    assert [a.line for a in of_kind("app.py", code, "path") if a.line == 9] == [9]


def test_go_filepath_rel_then_a_prefix_check_is_a_guard():
    code = (
        "func Avatar(w http.ResponseWriter, r *http.Request) {\n"
        '\tname := r.URL.Query().Get("name")\n'
        '\tfull := filepath.Join("/srv/avatars", name)\n'
        '\trel, err := filepath.Rel("/srv/avatars", full)\n'
        '\tif err != nil || strings.HasPrefix(rel, "..") {\n'
        "\t\treturn\n"
        "\t}\n"
        "\tf, _ := os.Open(full)\n"
        "\tdefer f.Close()\n"
        "}\n"
    )
    assert [a for a in of_kind("web/avatar.go", code, "path") if a.line == 8] == []


@pytest.mark.parametrize(
    ("url", "asked"),
    [
        ('f"https://hooks.example.com/{hook_id}"', False),
        ('"https://api.example.com/v1/" + item', False),
        ('f"https://hooks.example.com{hook_id}"', True),  # "@evil.example/" would change the host
        ('f"{base}/inventory"', True),
        ("target", True),
    ],
)
def test_a_url_whose_text_fixes_the_host_is_no_ssrf(url, asked):
    code = (
        "import requests\n"
        "def ping(request):\n"
        "    hook_id = request.GET['id']\n"
        "    item = request.GET['item']\n"
        "    base = request.GET['base']\n"
        "    target = request.GET['url']\n"
        f"    return requests.get({url}, timeout=5)\n"
    )
    assert bool(of_kind("app.py", code, "ssrf")) is asked


def test_a_go_allow_list_lookup_by_host_guards_the_fetch():
    code = (
        "func Hook(w http.ResponseWriter, r *http.Request) {\n"
        '\ttarget, err := url.Parse(r.PostFormValue("url"))\n'
        "\tif err != nil || !allowedHosts[target.Hostname()] {\n"
        "\t\treturn\n"
        "\t}\n"
        "\tresp, _ := client.Get(target.String())\n"
        "\tdefer resp.Body.Close()\n"
        "}\n"
    )
    assert of_kind("hooks/hook.go", code, "ssrf") == []
    unguarded = code.replace("!allowedHosts[target.Hostname()]", "blockedHosts[target.Hostname()]")
    assert len(of_kind("hooks/hook.go", unguarded, "ssrf")) == 1


def test_escaped_ldap_filters_and_bound_xpath_variables_are_not_challenged():
    ldap = (
        "from ldap3.utils.conv import escape_filter_chars\n"
        "def who(request, conn):\n    person = escape_filter_chars(request.args['cn'])\n"
        "    conn.search('ou=people', '(cn=' + person + ')')\n"
    )
    xpath = (
        "class A {\n  String a(javax.servlet.http.HttpServletRequest request) throws Exception {\n"
        '    String sku = request.getParameter("sku");\n'
        '    xp.setXPathVariableResolver(n -> "sku".equals(n.getLocalPart()) ? sku : null);\n'
        '    return xp.evaluate("/catalog/item[@sku=$sku]", doc);\n  }\n}\n'
    )

    assert of_kind("app/directory.py", ldap, "ldap") == []
    assert of_kind("src/main/java/A.java", xpath, "xpath") == []
    # without the escaping, the same search is challenged
    assert of_kind("app/directory.py", ldap.replace("escape_filter_chars(", "("), "ldap") != []


# --- a headless browser on the server, read straight from the request, argument vectors ---------


@pytest.mark.parametrize(
    "call",
    [
        "page.property('content', req.query.html)",
        "page.evaluateJavaScript(req.body.script)",
        "page.evaluateOnNewDocument(`${req.body.foo}`)",
        "Runtime.evaluate({ expression: req.body.js })",
        "Page.navigate({ url: req.query.u })",
        "wkhtmltopdf(req.query.u, { output: 'out.pdf' })",
    ],
)
def test_what_a_server_side_browser_is_handed_from_the_request_is_challenged(call):
    code = f"app.post('/r', async (req, res) => {{\n  await {call};\n  res.end();\n}});\n"
    [challenge] = of_kind("src/r.js", code, "browser")
    assert challenge.line == 2
    assert "`req." in challenge.prompt
    assert "server-side browser" in challenge.prompt


def test_a_server_side_browser_handed_the_result_of_an_unknown_function_is_challenged():
    code = "async function shot(page) {\n  await page.goto(targetUrl());\n}\n"
    [challenge] = of_kind("src/shot.js", code, "browser")
    assert challenge.prompt.startswith("The result of `targetUrl()` never reaches")


def test_a_server_side_browser_given_fixed_markup_or_a_local_constant_is_not_challenged():
    code = (
        "async function shot(page) {\n  const html = '<p>hi</p>';\n"
        "  await page.property('content', html);\n  await page.goto('https://example.com/');\n"
        "  const content = await page.property('content');\n}\n"
    )
    assert of_kind("src/shot.js", code, "browser") == []


def test_a_browser_challenge_is_scored_as_ssrf():
    from findings.engine.cwe_classes import class_of_cwe
    from reviewbench.checklist.assumptions.kinds import BROWSER, KIND_CWE, assumption_rationale

    assert class_of_cwe(KIND_CWE[BROWSER]) == "ssrf"
    assert "allow-list" in assumption_rationale(BROWSER)


def test_a_request_read_inside_a_sink_call_is_the_input_challenged():
    code = "app.get('/f', async (req, res) => {\n  await fetch(req.query.url);\n});\n"
    [challenge] = of_kind("src/f.js", code, "ssrf")
    assert challenge.prompt.startswith("`req.query.url` never reaches the URL fetched by `fetch`")


def test_a_request_read_passed_through_a_helper_first_is_left_to_the_helper():
    code = "router.post('/login', (req, res) => {\n  res.redirect(safeNext(req.query.next));\n});\n"
    assert of_kind("src/login.js", code, "redirect") == []


@pytest.mark.parametrize(
    ("path", "code", "line"),
    [
        (
            "src/clone.js",
            "function clone(gitUrl, dir) {\n  return spawn('git', ['clone', gitUrl, dir]);\n}\n",
            2,
        ),
        (
            "app/clone.py",
            "import subprocess\ndef clone(request):\n    url = request.GET['url']\n"
            "    subprocess.run(['git', 'clone', url], check=True)\n",
            4,
        ),
        (
            "src/main/java/C.java",
            "class C {\n  void c(HttpServletRequest request) throws Exception {\n"
            '    String url = request.getParameter("u");\n'
            '    new ProcessBuilder("git", "clone", url).start();\n  }\n}\n',
            4,
        ),
        (
            "web/c.go",
            "func c(w http.ResponseWriter, r *http.Request) {\n"
            '\turl := r.URL.Query().Get("u")\n'
            '\texec.CommandContext(r.Context(), "git", "clone", url).Run()\n}\n',
            3,
        ),
    ],
)
def test_input_in_the_arguments_of_a_program_that_reads_options_as_commands(path, code, line):
    challenges = of_kind(path, code, "argument")
    assert challenges
    assert {c.line for c in challenges} == {line}
    assert all("never reaches the options of" in c.prompt for c in challenges)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (
            "src/clone.js",
            "function clone(gitUrl) {\n  return spawn('git', ['clone', '--', gitUrl]);\n}\n",
        ),
        (
            "app/clone.py",
            "import subprocess\ndef clone(request):\n    url = request.GET['url']\n"
            "    subprocess.run(['git', 'clone', '--end-of-options', url], check=True)\n",
        ),
        # a program without command-running options
        (
            "src/ls.js",
            "function list(dir) {\n  return spawn('ls', ['-l', dir]);\n}\n",
        ),
    ],
)
def test_arguments_after_the_end_of_options_or_to_plain_programs_are_not_challenged(path, code):
    assert of_kind(path, code, "argument") == []


def test_argument_injection_is_scored_as_command_injection():
    from findings.engine.cwe_classes import class_of_cwe
    from reviewbench.checklist.assumptions.kinds import ARGUMENT, KIND_CWE

    assert class_of_cwe(KIND_CWE[ARGUMENT]) == "command-injection"


@pytest.mark.parametrize(
    ("path", "code", "line"),
    [
        (
            "src/main/java/Q.java",
            "class Q {\n  void q(HttpServletRequest req) {\n"
            '    String p = req.getParameter("foo");\n'
            '    HttpGet get = new HttpGet("http://example.com?param=" + p);\n  }\n}\n',
            4,
        ),
        (
            "src/main/java/Q.java",
            "class Q {\n  void q(HttpServletRequest req, GetMethod get) {\n"
            '    String p = req.getParameter("foo");\n'
            '    get.setQueryString("param=" + p);\n  }\n}\n',
            4,
        ),
        (
            "src/search.js",
            "async function search(q) {\n  return fetch(`https://api.example/s?q=${q}`);\n}\n",
            2,
        ),
        (
            "web/s.go",
            'func search(q string) {\n\thttp.Get("https://api.example/s?q=" + q)\n}\n',
            2,
        ),
    ],
)
def test_input_concatenated_into_a_query_string_is_challenged(path, code, line):
    [challenge] = of_kind(path, code, "query_param")
    assert challenge.line == line


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (
            "src/main/java/Q.java",
            "class Q {\n  void q(HttpServletRequest req) {\n"
            '    String p = req.getParameter("foo");\n'
            "    String e = UrlEscapers.urlFormParameterEscaper().escape(p);\n"
            '    HttpGet a = new HttpGet("http://example.com?param=" + e);\n'
            '    HttpGet b = new HttpGet("http://example.com?param=" + URLEncoder.encode(p));\n'
            "  }\n}\n",
        ),
        (
            "src/search.js",
            "async function search(q) {\n"
            "  return fetch(`https://api.example/s?q=${encodeURIComponent(q)}`);\n}\n",
        ),
        (
            "web/s.go",
            "func search(q string) {\n"
            '\thttp.Get("https://api.example/s?q=" + url.QueryEscape(q))\n}\n',
        ),
    ],
)
def test_an_encoded_query_value_is_not_challenged(path, code):
    assert of_kind(path, code, "query_param") == []


def test_one_call_can_raise_two_kinds_a_url_and_its_query_string():
    code = 'func proxy(u string) {\n\thttp.Get(u + "?q=" + u)\n}\n'
    kinds = {a.kind for a in generate("web/p.go", code) if a.line == 2}
    assert {"ssrf", "query_param"} <= kinds


def test_a_spring_body_built_with_markup_from_request_data_is_challenged():
    code = (
        'class X {\n  @GetMapping("/img")\n'
        "  public ResponseEntity<String> img(@RequestParam String src) {\n"
        '    String html = String.format("<img src=%s>", src);\n'
        "    return new ResponseEntity<>(html, HttpStatus.OK);\n  }\n}\n"
    )
    [challenge] = of_kind("src/main/java/X.java", code, "template")
    assert challenge.line == 5


def test_a_spring_body_without_markup_is_not_an_html_question():
    code = (
        'class X {\n  @GetMapping("/user")\n'
        "  public ResponseEntity<User> user(@RequestParam String id) {\n"
        "    User user = repo.find(id);\n    return ResponseEntity.ok(user);\n  }\n}\n"
    )
    assert of_kind("src/main/java/X.java", code, "template") == []


def test_a_comment_inside_a_java_call_is_not_taken_for_an_argument():
    code = (
        'class X {\n  @GetMapping("/img")\n'
        "  public ResponseEntity<String> img(@RequestParam String src) {\n"
        '    String tag = "<img src=%s>";\n'
        "    return new ResponseEntity<>(\n        // the tag, filled in\n"
        "        String.format(tag, src), HttpStatus.OK);\n  }\n}\n"
    )
    [challenge] = of_kind("src/main/java/X.java", code, "template")
    assert challenge.line == 5


@pytest.mark.parametrize(
    "call", ['klog.Infof("login %s", user)', "logrus.Info(user)", 'log.Fatalf("bad %s", user)']
)
def test_request_data_in_a_go_log_line_is_challenged_whatever_the_logger(call):
    code = (
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\tuser := r.URL.Query().Get("user")\n'
        f"\t{call}\n}}\n"
    )
    assert [a.line for a in of_kind("web/h.go", code, "log_input")] == [3]
