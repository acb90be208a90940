"""The Python rule families added for issue 10: each flaw is found and its correct fix is not."""

from __future__ import annotations

import textwrap

import pytest

from findings.engine.scanners import SourceFile
from findings.engine.scanners.python_taint import PythonTaintScanner

FLASK = "from flask import Flask, request, session, abort\napp = Flask(__name__)\n"
DJANGO = "from django.http import HttpResponse\n"


def _found(text: str, path: str = "app.py") -> list[tuple[str, int, int | None]]:
    source = SourceFile(path, "python", textwrap.dedent(text), frozenset())
    outcome = PythonTaintScanner().scan([source])
    assert outcome.failures == ()
    return sorted((f.rule_id, f.line, f.cwe) for f in outcome.findings)


# (id, vulnerable code, the finding expected in it (rule, line, CWE), its correct fix)
PAIRS = [
    (
        "eval-of-input",
        FLASK + "@app.get('/calc')\ndef calc():\n    return str(eval(request.args['e']))\n",
        ("python-taint.code-injection", 5, 94),
        FLASK + "import ast\n@app.get('/calc')\ndef calc():\n"
        "    return str(ast.literal_eval(request.args['e']))\n",
    ),
    (
        "exec-of-fstring",
        FLASK + "@app.post('/hook')\ndef hook():\n    name = request.form['fn']\n"
        "    exec(f'result = {name}()')\n    return 'ok'\n",
        ("python-taint.code-injection", 6, 94),
        FLASK + "ACTIONS = {'ping': lambda: 'pong'}\n@app.post('/hook')\ndef hook():\n"
        "    name = request.form['fn']\n    if name not in ACTIONS:\n        abort(400)\n"
        "    return ACTIONS[name]()\n",
    ),
    (
        "lxml-xpath",
        FLASK + "from lxml import etree\nTREE = etree.parse('users.xml')\n"
        "@app.get('/u')\ndef u():\n    name = request.args['name']\n"
        "    return str(TREE.xpath(f\"//user[@name='{name}']\"))\n",
        ("python-taint.xpath-injection", 8, 643),
        FLASK + "from lxml import etree\nTREE = etree.parse('users.xml')\n"
        "@app.get('/u')\ndef u():\n    name = request.args['name']\n"
        "    return str(TREE.xpath('//user[@name=$name]', name=name))\n",
    ),
    (
        "elementtree-findall",
        FLASK + "import xml.etree.ElementTree as ET\n@app.get('/u')\ndef u():\n"
        "    root = ET.parse('users.xml').getroot()\n"
        "    hits = root.findall(\".//user[@name='\" + request.args['n'] + \"']\")\n"
        "    return str(len(hits))\n",
        ("python-taint.xpath-injection", 7, 643),
        FLASK + "import xml.etree.ElementTree as ET\n@app.get('/u')\ndef u():\n"
        "    root = ET.parse('users.xml').getroot()\n"
        "    name = request.args['n']\n"
        "    hits = [e for e in root.findall('.//user') if e.get('name') == name]\n"
        "    return str(len(hits))\n",
    ),
    (
        "python-ldap-filter",
        FLASK
        + "import ldap\n@app.get('/who')\ndef who():\n    conn = ldap.initialize('ldap://x')\n"
        "    uid = request.args['uid']\n"
        "    return str(conn.search_s('dc=ex', ldap.SCOPE_SUBTREE, '(uid=' + uid + ')'))\n",
        ("python-taint.ldap-injection", 8, 90),
        FLASK + "import ldap\nfrom ldap.filter import escape_filter_chars\n"
        "@app.get('/who')\ndef who():\n    conn = ldap.initialize('ldap://x')\n"
        "    uid = escape_filter_chars(request.args['uid'])\n"
        "    return str(conn.search_s('dc=ex', ldap.SCOPE_SUBTREE, '(uid=' + uid + ')'))\n",
    ),
    (
        "ldap3-filter",
        FLASK + "from ldap3 import Connection, Server\n@app.get('/who')\ndef who():\n"
        "    conn = Connection(Server('ldap://x'))\n"
        "    conn.search('dc=ex', f\"(cn={request.args['cn']})\")\n    return 'ok'\n",
        ("python-taint.ldap-injection", 7, 90),
        FLASK + "from ldap3 import Connection, Server\n"
        "from ldap3.utils.conv import escape_filter_chars\n@app.get('/who')\ndef who():\n"
        "    conn = Connection(Server('ldap://x'))\n"
        "    conn.search('dc=ex', f\"(cn={escape_filter_chars(request.args['cn'])})\")\n"
        "    return 'ok'\n",
    ),
    (
        "flask-session-trust-boundary",
        FLASK + "@app.post('/prefs')\ndef prefs():\n    session['role'] = request.form['role']\n"
        "    return 'ok'\n",
        ("python-taint.trust-boundary", 5, 501),
        FLASK + "ROLES = {'viewer', 'editor'}\n@app.post('/prefs')\ndef prefs():\n"
        "    role = request.form['role']\n    if role not in ROLES:\n        abort(400)\n"
        "    session['role'] = role\n    return 'ok'\n",
    ),
    (
        "django-session-trust-boundary",
        DJANGO + "def remember(request):\n    request.session['next'] = request.GET['next']\n"
        "    return HttpResponse('ok')\n",
        ("python-taint.trust-boundary", 3, 501),
        DJANGO + "def remember(request):\n    request.session['next'] = '/home'\n"
        "    return HttpResponse('ok')\n",
    ),
    (
        "format-html-format-string",
        DJANGO + "from django.utils.html import format_html\n"
        "def hello(request):\n    name = request.GET['name']\n"
        "    return HttpResponse(format_html(f'<b>{name}</b>'))\n",
        ("python-taint.xss", 5, 79),
        DJANGO + "from django.utils.html import format_html\n"
        "def hello(request):\n    name = request.GET['name']\n"
        "    return HttpResponse(format_html('<b>{}</b>', name))\n",
    ),
    (
        "pickle-of-request-data",
        FLASK + "import pickle\n@app.post('/load')\ndef load():\n"
        "    return str(pickle.loads(request.data))\n",
        ("python-taint.deserialization", 6, 502),
        FLASK + "import json\n@app.post('/load')\ndef load():\n"
        "    return str(json.loads(request.data))\n",
    ),
    (
        "random-token",
        "import random, string\ndef reset_token():\n"
        "    return ''.join(random.choice(string.ascii_letters) for _ in range(32))\n",
        ("python.insecure-random", 3, 330),
        "import secrets\ndef reset_token():\n    return secrets.token_urlsafe(32)\n",
    ),
]


@pytest.mark.parametrize(
    ("name", "vulnerable", "expected", "safe"), PAIRS, ids=[p[0] for p in PAIRS]
)
def test_the_flaw_is_found_and_its_fix_is_not(name, vulnerable, expected, safe):
    found = _found(vulnerable)
    fixed = _found(safe)

    assert expected in found
    assert [item for item in fixed if item[0] == expected[0]] == []


@pytest.mark.parametrize(
    "code",
    [
        # str.find / list lookups are not XPath; a regex's .search is not LDAP
        FLASK + "@app.get('/a')\ndef a():\n    return str('abc'.find(request.args['q']))\n",
        FLASK + "import re\nWORD = re.compile(r'\\w+')\n@app.get('/a')\ndef a():\n"
        "    return str(WORD.search(request.args['q']))\n",
        # pickle of data that no source reaches (the server's own cache) is not flagged
        "import pickle\ndef cached(cache, key):\n    return pickle.loads(cache.get(key))\n"
        "def use():\n    return cached(CACHE, 'k')\n",
        # a constant in the session crosses no trust boundary
        FLASK + "@app.post('/in')\ndef login():\n    session['seen'] = True\n    return 'ok'\n",
    ],
    ids=["str-find", "regex-search", "pickle-own-cache", "session-constant"],
)
def test_lookalikes_are_not_reported(code):
    assert _found(code) == []


def test_a_hard_coded_credential_in_a_test_file_is_low_severity():
    code = 'DB_PASSWORD = "Pr0duction-Secret-9"\n'

    [in_app] = (
        PythonTaintScanner().scan([SourceFile("app/db.py", "python", code, frozenset())]).findings
    )
    [in_test] = (
        PythonTaintScanner()
        .scan([SourceFile("tests/test_db.py", "python", code, frozenset())])
        .findings
    )

    assert (in_app.rule_id, in_app.severity) == ("python.hardcoded-credential", "high")
    assert (in_test.rule_id, in_test.severity) == ("python.hardcoded-credential", "low")


@pytest.mark.parametrize(
    "name, vulnerable, expected, fixed",
    [
        (
            "ssl-context-pinned-to-tls-1-1",
            "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1_1)\n",
            ("python.weak-tls-protocol", 2, 327),
            "import ssl\nctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n",
        ),
        (
            "minimum-version-tls-1",
            "import ssl\nctx = ssl.create_default_context()\n"
            "ctx.minimum_version = ssl.TLSVersion.TLSv1\n",
            ("python.weak-tls-protocol", 3, 327),
            "import ssl\nctx = ssl.create_default_context()\n"
            "ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n",
        ),
        (
            "jwt-signed-with-none",
            "import jwt\ntoken = jwt.encode({'sub': 1}, key, algorithm='none')\n",
            ("python.jwt-none-algorithm", 2, 327),
            "import jwt\ntoken = jwt.encode({'sub': 1}, key, algorithm='HS256')\n",
        ),
        (
            "jwt-accepting-none",
            "import jwt\nclaims = jwt.decode(token, key, algorithms=['HS256', 'none'])\n",
            ("python.jwt-none-algorithm", 2, 327),
            "import jwt\nclaims = jwt.decode(token, key, algorithms=['HS256'])\n",
        ),
        (
            "urllib3-cert-none",
            "import urllib3\npool = urllib3.PoolManager(cert_reqs='CERT_NONE')\n",
            ("python.tls-verification-off", 2, 295),
            "import urllib3\npool = urllib3.PoolManager(cert_reqs='CERT_REQUIRED')\n",
        ),
        (
            "session-verify-off",
            "import requests\ns = requests.Session()\ns.verify = False\n",
            ("python.tls-verification-off", 3, 295),
            "import requests\ns = requests.Session()\ns.verify = '/etc/ssl/ca.pem'\n",
        ),
        (
            "crc32-of-a-password",
            "import zlib\ndigest = zlib.crc32(user.password.encode())\n",
            ("python.weak-password-hash", 2, 916),
            "import zlib\nchecksum = zlib.crc32(payload)\n",
        ),
    ],
)
def test_protocol_version_jwt_and_tls_setting_rules(name, vulnerable, expected, fixed):
    assert expected in _found(vulnerable), name
    assert not [hit for hit in _found(fixed) if hit[0] == expected[0]], name


DJANGO_VIEW = "from django.shortcuts import render\n\ndef page(request):\n"


@pytest.mark.parametrize(
    "name, vulnerable, expected, fixed",
    [
        (
            "html-built-into-a-template-context",
            DJANGO_VIEW + "    text = request.GET['t']\n"
            "    context = {'html': '<a href=\"/x\">' + text + '</a>'}\n"
            "    return render(request, 'page.html', context)\n",
            ("python-taint.xss", 5, 79),
            DJANGO_VIEW + "    from django.utils.html import escape\n"
            "    text = escape(request.GET['t'])\n"
            "    context = {'html': '<a href=\"/x\">' + text + '</a>'}\n"
            "    return render(request, 'page.html', context)\n",
        ),
        (
            "html-template-string-formatted-with-input",
            DJANGO_VIEW + "    link = '<a href=\"/u/{}\">profile</a>'\n"
            "    context = {'html': link.format(request.GET['u'])}\n"
            "    return render(request, 'page.html', context)\n",
            ("python-taint.xss", 5, 79),
            # the same string built with a fixed value
            DJANGO_VIEW + "    link = '<a href=\"/u/{}\">profile</a>'\n"
            "    context = {'html': link.format('me')}\n"
            "    return render(request, 'page.html', context)\n",
        ),
        (
            "lambda-html-response-body",
            "def handler(event, context):\n"
            "    html = f\"<p>{event['queryStringParameters']['name']}</p>\"\n"
            "    return {'statusCode': 200, 'headers': {'Content-Type': 'text/html'},\n"
            "            'body': html}\n",
            ("python-taint.xss", 4, 79),
            "import html as markup\ndef handler(event, context):\n"
            "    html = f\"<p>{markup.escape(event['queryStringParameters']['name'])}</p>\"\n"
            "    return {'statusCode': 200, 'headers': {'Content-Type': 'text/html'},\n"
            "            'body': html}\n",
        ),
        (
            "django-template-compiled-from-a-form",
            "from django.template import Template, Context\n\ndef preview(request, form):\n"
            "    return Template(form.data['body']).render(Context({}))\n",
            ("python-taint.xss", 4, 79),
            "from django.template import Template, Context\n\ndef preview(request, form):\n"
            "    return Template('{{ body }}').render(Context({'body': form.data['body']}))\n",
        ),
        (
            "format-html-given-an-f-string",
            "from django.utils.html import format_html\n"
            "def badge(name):\n    return format_html(f'<b>{name}</b>')\n",
            ("python.format-html-preformatted", 3, 79),
            "from django.utils.html import format_html\n"
            "def badge(name):\n    return format_html('<b>{}</b>', name)\n",
        ),
        (
            "django-templates-autoescape-off",
            "TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates',\n"
            "              'OPTIONS': {'autoescape': False}}]\n",
            ("python.autoescape-off", 2, 79),
            "TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates',\n"
            "              'OPTIONS': {'autoescape': True}}]\n",
        ),
    ],
)
def test_xss_families_beyond_the_response_sink(name, vulnerable, expected, fixed):
    assert expected in _found(vulnerable), name
    assert not [hit for hit in _found(fixed) if hit[0] == expected[0]], name


def test_html_built_from_input_is_reported_once_where_it_is_sent_not_also_where_built():
    code = FLASK + "@app.get('/hi')\ndef hi():\n    name = request.args['n']\n"
    code += "    page = '<h1>' + name + '</h1>'\n    return page\n"
    found = [hit for hit in _found(code) if hit[0] == "python-taint.xss"]
    assert [line for _rule, line, _cwe in found] == [7]  # the response, not line 6 as well


@pytest.mark.parametrize(
    "code",
    [
        # printed or logged: text, not a page
        "import logging\nlog = logging.getLogger(__name__)\ndef handler(event, context):\n"
        "    log.info(f\"<p>{event['x']}</p>\")\n    print(f\"<div>{event['x']}</div>\")\n",
        # a comparison in SQL is no HTML tag
        DJANGO_VIEW + "    q = 'SELECT 1 WHERE a<b AND c < ' + request.GET['n']\n    return q\n",
        # an html-sanitizer Sanitizer clears it
        DJANGO_VIEW + "    from html_sanitizer import Sanitizer\n"
        "    clean = Sanitizer().sanitize(request.GET['t'])\n"
        "    return render(request, 'p.html', {'h': f'<b>{clean}</b>'})\n",
    ],
    ids=["logged", "sql-less-than", "sanitized"],
)
def test_html_lookalikes_are_not_reported_as_xss(code):
    assert [hit for hit in _found(code) if hit[0] == "python-taint.xss"] == []
