"""ReviewBench's semgrep rules: each vulnerable corpus case is found, each fixed twin is quiet.

All cases go to the engine in one batch (one semgrep run), like one revision of a real PR.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from findings.engine.cwe_classes import CLASS_CWES, class_of_cwe
from findings.engine.scanners import SourceFile
from findings.engine.scanners.semgrep_scanner import SemgrepScanner

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LANGUAGES = {"javascript": "javascript", "typescript": "typescript", "java": "java", "go": "go"}


def _cases() -> list[Path]:
    return sorted(
        case
        for language in LANGUAGES
        for case in (CORPUS / language).glob("*/*")
        if (case / "expected.json").is_file()
    )


CASES = _cases()


def _case_id(case: Path) -> str:
    return "/".join(case.parts[-3:])


@pytest.fixture(scope="module")
def corpus_outcome():
    """Every after-file of every case, scanned in one batch; paths are prefixed by the case."""
    files = []
    for case in CASES:
        language = LANGUAGES[case.parts[-3]]
        for path in sorted((case / "after").rglob("*")):
            if path.is_file():
                relative = path.relative_to(case / "after").as_posix()
                files.append(
                    SourceFile(
                        path=f"{_case_id(case)}::{relative}",
                        language=language,
                        text=path.read_text(encoding="utf-8"),
                        added_lines=frozenset(),
                    )
                )
    return SemgrepScanner().scan(files)


def test_corpus_has_paired_cases_in_every_language():
    vulnerable = [case for case in CASES if case.name.endswith("-vuln")]
    fixed = {case for case in CASES if case.name.endswith("-fixed")}

    assert len(vulnerable) >= 35
    assert {case.with_name(case.name[: -len("-vuln")] + "-fixed") for case in vulnerable} == fixed
    for language in LANGUAGES:
        classes = {case.parts[-2] for case in vulnerable if case.parts[-3] == language}
        assert len(classes) >= 8, language


def test_engine_reads_the_whole_corpus_without_failures(corpus_outcome):
    assert corpus_outcome.failures == ()


@pytest.mark.parametrize("case", [c for c in CASES if c.name.endswith("-vuln")], ids=_case_id)
def test_vulnerable_case_is_found(case, corpus_outcome):
    # given the case's expected findings
    expected = json.loads((case / "expected.json").read_text())["findings"]
    cwes = CLASS_CWES[case.parts[-2]]

    # then each expected (path, line) is covered by a finding of the class's CWEs
    for entry in expected:
        path = f"{_case_id(case)}::{entry['path']}"
        matching = [
            finding
            for finding in corpus_outcome.findings
            if finding.path == path
            and finding.cwe in cwes
            and finding.line <= entry["line"] <= finding.end_line
        ]
        assert matching, f"{path}:{entry['line']} not found"
        assert all(finding.guidance for finding in matching)


@pytest.mark.parametrize("case", [c for c in CASES if c.name.endswith("-fixed")], ids=_case_id)
def test_fixed_twin_yields_no_finding(case, corpus_outcome):
    prefix = f"{_case_id(case)}::"

    found = [f"{f.rule_id}:{f.line}" for f in corpus_outcome.findings if f.path.startswith(prefix)]

    assert found == []


SNIPPETS = [
    # (language, file name, code, rule id, line) for rules the corpus does not cover yet
    # Go: a request value among git's arguments where it talks to a remote (argument
    # injection: --upload-pack), after the end of a runner's options, or first after git
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n\t"os/exec"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\trepo := r.URL.Query().Get("repo")\n'
        '\texec.Command("git", "clone", repo).Run()\n}\n',
        "semgrep.go-command-injection",
        10,
    ),
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n\t"os/exec"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\tcmd := r.URL.Query().Get("cmd")\n'
        '\texec.Command("sudo", "--", cmd).Run()\n}\n',
        "semgrep.go-command-injection",
        10,
    ),
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n\t"os/exec"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\targ := r.URL.Query().Get("a")\n'
        '\texec.Command("git", arg, "--").Run()\n}\n',
        "semgrep.go-command-injection",
        10,
    ),
    # Go: an XPath expression built from the request (antchfx/xmlquery's second argument)
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\tname := r.FormValue("name")\n'
        '\txmlquery.Find(doc, "//user[login/text()=\'" + name + "\']")\n}\n',
        "semgrep.go-xpath-injection",
        9,
    ),
    # Go: an archive entry's name as the path it is written to (zip slip)
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"archive/zip"\n\t"os"\n)\n\n'
        "func unzip(r *zip.Reader) {\n\tfor _, f := range r.File {\n"
        "\t\tout, _ := os.Create(f.Name)\n\t\tout.Close()\n\t}\n}\n",
        "semgrep.go-archive-path-traversal",
        10,
    ),
    # Java: the default password a connection is opened with, however short; a password
    # compared with a literal
    (
        "java",
        "A.java",
        "class A {\n  void a(String url) throws Exception {\n"
        '    java.sql.DriverManager.getConnection(url, "admin", "admin");\n  }\n}\n',
        "semgrep.java-hardcoded-credential",
        3,
    ),
    (
        "java",
        "A.java",
        "class A {\n  boolean ok(String password) {\n"
        '    return "xFb8H9qoPVabx6QvUQ".equals(password);\n  }\n}\n',
        "semgrep.java-hardcoded-credential",
        3,
    ),
    # Go: a request body decoded into a value (encoding/json's Decoder, gin's binding)
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        "\tvar in struct{ Name string }\n\tjson.NewDecoder(r.Body).Decode(&in)\n"
        '\tdb.Query("SELECT * FROM t WHERE n = \'" + in.Name + "\'")\n}\n',
        "semgrep.go-sql-injection",
        10,
    ),
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"github.com/gin-gonic/gin"\n)\n\n'
        "func h(c *gin.Context) {\n\tvar in struct{ Name string }\n"
        "\tif err := c.ShouldBindJSON(&in); err != nil {\n\t\treturn\n\t}\n"
        '\tdb.Query("SELECT * FROM t WHERE n = \'" + in.Name + "\'")\n}\n',
        "semgrep.go-sql-injection",
        12,
    ),
    # Go: klog (glog's fork) and beego's logs write plain text
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\tuser := r.URL.Query().Get("user")\n\tklog.Infof("login %s", user)\n}\n',
        "semgrep.go-log-injection",
        9,
    ),
    # a script or markup from the request handed to a headless browser on the server
    (
        "javascript",
        "a.js",
        "app.post('/r', async (req, res) => {\n  await page.evaluate(req.body.script);\n});\n",
        "semgrep.js-ssrf",
        2,
    ),
    (
        "javascript",
        "a.js",
        "app.post('/r', async (req, res) => {\n"
        "  await page.property('content', req.query.html);\n});\n",
        "semgrep.js-ssrf",
        2,
    ),
    (
        "javascript",
        "a.js",
        "app.post('/r', async (req, res) => {\n"
        "  await Runtime.evaluate({ expression: req.body.js });\n});\n",
        "semgrep.js-ssrf",
        2,
    ),
    (
        "javascript",
        "a.js",
        "app.get('/x', (req, res) => {\n  const n = parseInt(req.query.i, 10);\n"
        "  res.json(items[n]);\n});\n",
        "semgrep.js-unchecked-index",
        3,
    ),
    (
        "javascript",
        "a.js",
        "const yaml = require('js-yaml');\napp.post('/c', (req, res) => {\n"
        "  res.json(yaml.load(req.body.config));\n});\n",
        "semgrep.js-unsafe-deserialization",
        3,
    ),
    (
        "javascript",
        "a.js",
        "const fs = require('fs');\nfs.chmodSync('/srv/app/cache', 0o777);\n",
        "semgrep.js-permissive-file-mode",
        2,
    ),
    (
        "javascript",
        "a.js",
        "const config = { dbPassword: 'hunter2-prod-7781' };\n",
        "semgrep.js-hardcoded-credential",
        1,
    ),
    (
        "javascript",
        "a.js",
        "const libxmljs = require('libxmljs');\n"
        "app.post('/x', (req, res) => {\n"
        "  const doc = libxmljs.parseXml(req.body, { noent: true });\n  res.end();\n});\n",
        "semgrep.js-xxe-noent",
        3,
    ),
    (
        "typescript",
        "a.ts",
        "function makeResetToken(): string {\n"
        "  const resetToken = Math.random().toString(36).slice(2);\n  return resetToken;\n}\n",
        "semgrep.js-insecure-random",
        2,
    ),
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\n\nclass A {\n"
        "  void go(HttpServletRequest request) {\n"
        '    log.info("search for " + request.getParameter("q"));\n  }\n}\n',
        "semgrep.java-log-injection",
        5,
    ),
    (
        "java",
        "A.java",
        "class A {\n  Cipher c() throws Exception {\n"
        '    return Cipher.getInstance("AES/ECB/PKCS5Padding");\n  }\n}\n',
        "semgrep.java-weak-cipher",
        3,
    ),
    (
        "java",
        "A.java",
        "class A {\n  SecretKey k() throws Exception {\n"
        '    return javax.crypto.KeyGenerator.getInstance("DES").generateKey();\n  }\n}\n',
        "semgrep.java-weak-key-generator",
        3,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport "net/http"\n\nfunc H(w http.ResponseWriter, r *http.Request) {\n'
        "\terr := do()\n\tif err != nil {\n\t\thttp.Error(w, err.Error(), 500)\n\t}\n}\n",
        "semgrep.go-error-disclosure",
        8,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport (\n\t"net/http"\n\t"regexp"\n)\n\n'
        "func H(w http.ResponseWriter, r *http.Request) {\n"
        '\tre := regexp.MustCompile(r.URL.Query().Get("p"))\n\t_ = re\n}\n',
        "semgrep.go-regex-injection",
        9,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport (\n\t"log"\n\t"os"\n)\n\nfunc M() {\n'
        '\tlogger := log.New(os.Stderr, "x", 0)\n\tlogger.Println("user", os.Args[1])\n}\n',
        "semgrep.go-log-injection",
        10,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport (\n\t"log"\n\t"os"\n)\n\nfunc M() {\n\tlog.Print(os.Args[1])\n}\n',
        "semgrep.go-log-injection",
        9,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport "crypto/sha1"\n\nfunc signRequest(b []byte) []byte {\n'
        "\th := sha1.New()\n\th.Write(b)\n\treturn h.Sum(nil)\n}\n",
        "semgrep.go-weak-hash",
        6,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport (\n\t"crypto/rand"\n\t"crypto/rsa"\n)\n\n'
        "func K() (*rsa.PrivateKey, error) {\n\treturn rsa.GenerateKey(rand.Reader, 1024)\n}\n",
        "semgrep.go-weak-key",
        9,
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport "github.com/golang-jwt/jwt/v5"\n\n'
        "func T() *jwt.Token {\n"
        "\treturn jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{})\n}\n",
        "semgrep.go-jwt-none-algorithm",
        6,
    ),
    (
        "javascript",
        "a.js",
        'const jwt = require("jsonwebtoken");\n'
        'const c = jwt.verify(t, key, { algorithms: ["HS256", "none"] });\n',
        "semgrep.js-jwt-none-algorithm",
        2,
    ),
    (
        "java",
        "A.java",
        "import com.auth0.jwt.JWT;\nimport com.auth0.jwt.algorithms.Algorithm;\n"
        "class A {\n  String t() { return JWT.create().sign(Algorithm.none()); }\n}\n",
        "semgrep.java-jwt-none-algorithm",
        4,
    ),
    (
        "javascript",
        "handler.js",
        "const cp = require('child_process');\n"
        "exports.handler = async (event) => {\n"
        "  cp.exec(`cat ${event.queryStringParameters.f}`);\n};\n",
        "semgrep.js-command-injection",
        3,
    ),
    # a template compiled from request data; template escaping switched off
    (
        "javascript",
        "a.js",
        "const ejs = require('ejs');\napp.get('/p', (req, res) => {\n"
        "  res.send(ejs.render(req.query.tpl, {}));\n});\n",
        "semgrep.js-xss-reflected",
        3,
    ),
    (
        "javascript",
        "a.js",
        "const Handlebars = require('handlebars');\n"
        "const page = Handlebars.compile(source, { noEscape: true });\n",
        "semgrep.js-template-autoescape-off",
        2,
    ),
    # exec under another name: promisified, as the typical miss
    (
        "javascript",
        "a.js",
        "const util = require('util');\nconst { exec } = require('child_process');\n"
        "const execAsync = util.promisify(exec);\n"
        "app.post('/c', async (req, res) => {\n  const { name } = req.body;\n"
        "  await execAsync(`convert ${name} out.png`);\n  res.end();\n});\n",
        "semgrep.js-command-injection",
        6,
    ),
    (
        "javascript",
        "a.js",
        "const run = require('util').promisify(require('child_process').exec);\n"
        "app.get('/l', async (req, res) => {\n  await run('ls ' + req.query.dir);\n});\n",
        "semgrep.js-command-injection",
        3,
    ),
    (
        "javascript",
        "a.js",
        "const { execSync } = require('child_process');\n"
        "function backup(file) {\n  execSync(`tar czf backup.tgz ${file}`);\n}\n"
        "module.exports = { backup };\n",
        "semgrep.js-command-built-from-parameter",
        3,
    ),
    # the branch that assigns the input is the one that runs: (7 * 42) - 106 = 188
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request, java.sql.Statement st) throws Exception {\n"
        '    String param = request.getParameter("x");\n    int num = 106;\n'
        '    String bar = (7 * 42) - num > 200 ? "safe" : param;\n'
        '    st.executeQuery("SELECT " + bar);\n  }\n}\n',
        "semgrep.java-sql-injection",
        7,
    ),
    # a parameter's name is the client's to choose, as its value is
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request) throws Exception {\n"
        "    java.util.Enumeration<String> names = request.getParameterNames();\n"
        "    String name = names.nextElement();\n"
        '    Runtime.getRuntime().exec("echo " + name);\n  }\n}\n',
        "semgrep.java-command-injection",
        6,
    ),
    # a wrapper built around the request hands back the request's data
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request) throws Exception {\n"
        "    com.acme.FormRequest form = new com.acme.FormRequest(request);\n"
        '    String dir = form.getTheParameter("dir");\n'
        '    java.io.File target = new java.io.File(dir, "report.txt");\n  }\n}\n',
        "semgrep.java-path-traversal",
        6,
    ),
    # a whole argument vector for a shell the method chose: the input is shell text
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request, boolean win) throws Exception {\n"
        '    String bar = request.getHeader("x");\n    String a1 = win ? "cmd.exe" : "sh";\n'
        '    String[] args = {a1, win ? "/c" : "-c", "echo " + bar};\n'
        "    new ProcessBuilder(args).start();\n"
        "    java.util.List<String> argv = new java.util.ArrayList<>();\n"
        '    argv.add("bash");\n    argv.add("-c");\n    argv.add("ls " + bar);\n'
        "    ProcessBuilder pb = new ProcessBuilder();\n    pb.command(argv);\n  }\n}\n",
        "semgrep.java-command-injection",
        7,
    ),
    (
        "java",
        "B.java",
        "import javax.servlet.http.HttpServletRequest;\nclass B {\n"
        "  void a(HttpServletRequest request) throws Exception {\n"
        '    String bar = request.getHeader("x");\n'
        "    java.util.List<String> argv = new java.util.ArrayList<>();\n"
        '    argv.add("bash");\n    argv.add("-c");\n    argv.add("ls " + bar);\n'
        "    ProcessBuilder pb = new ProcessBuilder();\n    pb.command(argv);\n  }\n}\n",
        "semgrep.java-command-injection",
        10,
    ),
    # a JdbcTemplate held by another class, known by its name, given built SQL
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  Object a(HttpServletRequest request) throws Exception {\n"
        '    String name = request.getParameter("n");\n'
        '    String sql = "SELECT * FROM users WHERE name = \'" + name + "\'";\n'
        "    return Db.jdbcTemplate.query(sql, new UserMapper());\n  }\n}\n",
        "semgrep.java-sql-injection",
        6,
    ),
    # request data in a response header or a cookie value, CR/LF kept: the response splits
    (
        "java",
        "A.java",
        "import javax.servlet.http.*;\nclass A {\n"
        "  void a(HttpServletRequest req, HttpServletResponse resp) {\n"
        '    String lang = req.getParameter("lang");\n'
        '    resp.setHeader("Content-Language", lang);\n'
        '    Cookie c = new Cookie("lang", "en");\n'
        '    c.setValue(lang.replaceAll("\\r\\n", "\\r\\nX-Forged: 1"));\n  }\n}\n',
        "semgrep.java-response-splitting",
        5,
    ),
    (
        "java",
        "B.java",
        "import javax.servlet.http.*;\nclass B {\n"
        "  void a(HttpServletRequest req, HttpServletResponse resp) {\n"
        '    String lang = req.getParameter("lang");\n'
        '    Cookie c = new Cookie("lang", "en");\n'
        '    c.setValue(lang.replaceAll("\\r\\n", "\\r\\nX-Forged: 1"));\n  }\n}\n',
        "semgrep.java-response-splitting",
        6,
    ),
    # CBC with padding: a padding oracle where decryption errors show
    (
        "java",
        "A.java",
        "class A {\n  byte[] a(byte[] p) throws Exception {\n"
        '    javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/CBC/PKCS5Padding");\n'
        "    return c.doFinal(p);\n  }\n}\n",
        "semgrep.java-cbc-padding-oracle",
        3,
    ),
    # nextBytes fills the array it is given with predictable bytes
    (
        "java",
        "A.java",
        "class A {\n  String a() {\n    byte[] bytes = new byte[16];\n"
        "    new java.util.Random().nextBytes(bytes);\n"
        "    String resetToken = java.util.Base64.getEncoder().encodeToString(bytes);\n"
        "    return resetToken;\n  }\n}\n",
        "semgrep.java-insecure-random",
        5,
    ),
]


def test_snippets_each_yield_their_rule_in_one_run():
    # given one file per snippet, scanned as one batch
    files = [
        SourceFile(path=f"{index}/{name}", language=language, text=code, added_lines=frozenset())
        for index, (language, name, code, _, _) in enumerate(SNIPPETS)
    ]

    outcome = SemgrepScanner().scan(files)

    # then each snippet yields its rule on its line
    assert outcome.failures == ()
    found = {(f.path, f.rule_id, f.line) for f in outcome.findings}
    for index, (_, name, _, rule_id, line) in enumerate(SNIPPETS):
        assert (f"{index}/{name}", rule_id, line) in found


SAFE_SNIPPETS = [
    (
        "java",
        "K.java",
        "class K {\n  SecretKey k() throws Exception {\n"
        '    return javax.crypto.KeyGenerator.getInstance("AES").generateKey();\n  }\n}\n',
    ),
    ("javascript", "a.js", "const key = crypto.createHash('md5').update(url).digest('hex');\n"),
    ("javascript", "a.js", "if (token === undefined) { throw new Error('missing'); }\n"),
    ("javascript", "a.js", "el.textContent = location.hash;\nel.innerHTML = '';\n"),
    (
        "java",
        "A.java",
        'class A { String h() { return "x"; } String password = System.getenv("P"); }\n',
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport "os"\n\nfunc W(b []byte) error {\n'
        '\treturn os.WriteFile("x", b, 0o644)\n}\n',
    ),
    (
        "go",
        "a.go",
        'package a\n\nimport (\n\t"crypto/md5"\n\t"log"\n\t"os"\n\t"strconv"\n)\n\n'
        "func cacheKey(b []byte) [16]byte { return md5.Sum(b) }\n\n"
        'func M() {\n\tlog.Printf("user %q", os.Args[1])\n\t_, err := strconv.Atoi(os.Args[1])\n'
        "\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n",
    ),
    (
        "javascript",
        "a.js",
        'const jwt = require("jsonwebtoken");\n'
        'const c = jwt.verify(t, key, { algorithms: ["HS256"] });\n',
    ),
    # an exported function that is not a Lambda handler, and a DOM event, are not sources
    (
        "javascript",
        "a.js",
        "const cp = require('child_process');\n"
        "module.exports.report = (event) => { cp.exec(`cat ${event.file}`); };\n"
        "document.addEventListener('click', (event) => { cp.exec(`x ${event.target.id}`); });\n",
    ),
    # request data as a value of a fixed template, escaped by it; escaping left on
    (
        "javascript",
        "a.js",
        "const ejs = require('ejs');\nconst Handlebars = require('handlebars');\n"
        "const page = Handlebars.compile(source);\n"
        "app.get('/p', (req, res) => {\n"
        "  res.send(ejs.render('<p><%= name %></p>', { name: req.query.name }));\n});\n",
    ),
    # a parameter passed as its own argument, without a shell; a promisified execFile
    (
        "javascript",
        "a.js",
        "const { execFileSync, execFile } = require('child_process');\n"
        "const run = require('util').promisify(execFile);\n"
        "function backup(file) {\n  execFileSync('tar', ['czf', 'backup.tgz', file]);\n"
        "  return run('gzip', [file]);\n}\n",
    ),
    # Go: an XPath variable instead of the value; an archive entry checked first, by a
    # containment check or a checker of the file's; %-50q quotes; a redirect to a header
    # (a link cannot set it)
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"archive/zip"\n\t"net/http"\n\t"os"\n\t"strings"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\tname := r.FormValue("name")\n'
        '\tgoxpath.MustParse("//user[login/text()=$name]")\n'
        '\tlog.Printf("user %-50q", name)\n'
        '\thttp.Redirect(w, r, r.Header.Get("X-Next"), 302)\n}\n\n'
        "func unzip(zr *zip.Reader, dest string) {\n\tfor _, f := range zr.File {\n"
        "\t\tif !strings.HasPrefix(f.Name, dest) {\n\t\t\tcontinue\n\t\t}\n"
        "\t\tos.Create(f.Name)\n"
        "\t\tif isSafeEntry(f.Name, dest) {\n\t\t\tos.Create(f.Name)\n\t\t}\n\t}\n}\n",
    ),
    # Go: JSON decoded from the program's own bytes (a config), not from the request
    (
        "go",
        "a.go",
        "package main\n\nfunc load(cfg []byte) {\n\tvar m map[string]string\n"
        "\tjson.Unmarshal(cfg, &m)\n"
        '\tdb.Query("SELECT * FROM t WHERE n = \'" + m["n"] + "\'")\n}\n',
    ),
    # Go: "--" ends git's options before the request value, also at the head of the argument
    # list; a subcommand that runs no helper program (git diff, checkout)
    (
        "go",
        "a.go",
        'package main\n\nimport (\n\t"net/http"\n\t"os/exec"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\trepo := r.URL.Query().Get("repo")\n'
        '\texec.Command("git", "clone", "--", repo).Run()\n'
        '\targs := []string{"--", repo}\n\texec.Command("git", args...).Run()\n'
        '\texec.Command("git", "checkout", repo).Run()\n}\n',
    ),
    # a headless browser given fixed markup, or a function of the server's own to evaluate
    # with request data as its serialised argument
    (
        "javascript",
        "a.js",
        "app.get('/r', async (req, res) => {\n"
        "  await page.property('content', '<p>hi</p>');\n"
        "  const t = await page.evaluate((sel) => document.querySelector(sel).textContent, "
        "req.query.sel);\n  res.send(String(t.length));\n});\n",
    ),
    # Spring parameters the framework converted to a number or a boolean; a comparison of
    # request data is a boolean
    (
        "java",
        "A.java",
        "class A {\n"
        '  @GetMapping("/u")\n'
        '  Object u(@RequestParam("id") Integer id, @RequestBody Boolean on,\n'
        "      @RequestParam String n,\n"
        "      java.sql.Statement st) throws Exception {\n"
        '    st.executeQuery("SELECT * FROM t WHERE id = " + id + " AND on = " + on);\n'
        '    return st.executeQuery("SELECT " + (n.substring(1) != "x"));\n  }\n}\n',
    ),
    # the branch that assigns the input never runs: (7 * 42) - 86 = 208
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request, java.sql.Statement st) throws Exception {\n"
        '    String param = request.getParameter("x");\n    int num = 86;\n'
        '    String bar = (7 * 42) - num > 200 ? "safe" : param;\n    String baz;\n'
        '    if ((7 * 42) - num > 200) baz = "safe"; else baz = param;\n'
        '    st.executeQuery("SELECT " + bar + baz);\n  }\n}\n',
    ),
    # an authenticated mode, and RSA whose transformation names CBC but chains nothing
    (
        "java",
        "A.java",
        "class A {\n  void a() throws Exception {\n"
        '    javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");\n'
        '    javax.crypto.Cipher.getInstance("RSA/CBC/PKCS5Padding");\n  }\n}\n',
    ),
    # CR and LF taken out, or the value URL-encoded, before the header and the cookie
    (
        "java",
        "A.java",
        "import javax.servlet.http.*;\nclass A {\n"
        "  void a(HttpServletRequest req, HttpServletResponse resp) throws Exception {\n"
        '    String lang = req.getParameter("lang").replaceAll("[\\r\\n]+", "");\n'
        '    resp.setHeader("Content-Language", lang);\n'
        '    String next = java.net.URLEncoder.encode(req.getParameter("n"), "UTF-8");\n'
        '    resp.addHeader("X-Next", next);\n'
        '    new Cookie("lang", lang);\n  }\n}\n',
    ),
    # a fixed program given the input as its own argument, no shell named in the method; a
    # wrapper's getter that is not a parameter read; SecureRandom's bytes
    (
        "java",
        "A.java",
        "import javax.servlet.http.HttpServletRequest;\nclass A {\n"
        "  void a(HttpServletRequest request) throws Exception {\n"
        '    String ref = request.getParameter("ref");\n'
        '    String[] args = {"git", "log", "--", ref};\n    new ProcessBuilder(args).start();\n'
        "    com.acme.FormRequest form = new com.acme.FormRequest(request);\n"
        '    java.io.File f = new java.io.File(form.getUploadRoot(), "report.txt");\n'
        "    byte[] bytes = new byte[16];\n    new java.security.SecureRandom().nextBytes(bytes);\n"
        "    String resetToken = java.util.Base64.getEncoder().encodeToString(bytes);\n  }\n}\n",
    ),
]


def test_safe_snippets_yield_nothing():
    files = [
        SourceFile(path=f"{index}/{name}", language=language, text=code, added_lines=frozenset())
        for index, (language, name, code) in enumerate(SAFE_SNIPPETS)
    ]

    outcome = SemgrepScanner().scan(files)

    assert outcome.findings == ()
    assert outcome.failures == ()


def test_one_flaw_found_by_two_rules_on_one_line_is_reported_once_by_the_surer_rule():
    code = (
        "import org.springframework.web.bind.annotation.*;\n"
        "@RestController\nclass U {\n  java.sql.Statement st;\n"
        '  @GetMapping("/u/{id}")\n'
        "  public String get(@PathVariable String id) throws Exception {\n"
        '    StringBuilder sb = new StringBuilder("SELECT * FROM u WHERE id = ");\n'
        '    sb.append(id);\n    st.executeQuery(sb.toString());\n    return "ok";\n  }\n}\n'
    )
    outcome = SemgrepScanner().scan([SourceFile("U.java", "java", code, frozenset())])

    found = [(f.rule_id, f.line, f.confidence) for f in outcome.findings if f.cwe == 89]
    assert found == [("semgrep.java-sql-injection", 9, "high")]


SIGNING_KEYS = [
    # (language, file name, code, the lines a hard-coded key signs or checks on)
    (
        "javascript",
        "auth.js",
        "const jwt = require('jsonwebtoken');\nconst KEY = 'k3y';\n"
        "const t = jwt.sign({ id: 1 }, KEY);\n"  # 3: through a constant
        "jwt.verify(t, 'k3y');\n"  # 4
        "app.use(session({ secret: 'keyboard cat', resave: false }));\n"  # 5
        "crypto.createHmac('sha256', 'k3y').update(body);\n"  # 6
        "jwt.sign({ id: 1 }, process.env.JWT_SECRET);\n"
        "app.use(session({ secret: process.env.SESSION_SECRET }));\n",
        {3, 4, 5, 6},
    ),
    (
        "typescript",
        "s.ts",
        "const options = {\n  secret: 'a',\n  resave: false,\n};\napp.use(session(options));\n",
        {2},
    ),
    (
        "java",
        "Tokens.java",
        "class Tokens {\n  String make() {\n"
        '    Algorithm a = Algorithm.HMAC256("s3cr3t");\n'  # 3
        '    Algorithm b = Algorithm.HMAC256(System.getenv("JWT_SECRET"));\n'
        '    return Jwts.builder().signWith(SignatureAlgorithm.HS256, "s3cr3t").compact();\n'  # 5
        "  }\n}\n",
        {3, 5},
    ),
    (
        "go",
        "token.go",
        'package a\n\nvar jwtKey = []byte("my_secret_key")\n\n'
        "func Sign(t *jwt.Token) (string, error) {\n\treturn t.SignedString(jwtKey)\n}\n\n"  # 6
        "func Env(t *jwt.Token) (string, error) {\n"
        '\treturn t.SignedString([]byte(os.Getenv("JWT_KEY")))\n}\n',
        {6},
    ),
]


def test_a_signing_key_written_in_the_code_is_reported_and_one_read_from_outside_is_not():
    # given JWT, session, HMAC and cookie keys written in the code beside keys read from the
    # environment, in each language
    files = [
        SourceFile(path=f"{index}/{name}", language=language, text=code, added_lines=frozenset())
        for index, (language, name, code, _) in enumerate(SIGNING_KEYS)
    ]

    outcome = SemgrepScanner().scan(files)

    # then each written key is reported once, as a blocking hard-coded credential
    assert outcome.failures == ()
    for index, (_, name, _, lines) in enumerate(SIGNING_KEYS):
        found = [f for f in outcome.findings if f.path == f"{index}/{name}" and f.cwe == 798]
        assert {f.line for f in found} == lines, name
        assert all(f.severity == "high" for f in found), name


def test_a_hard_coded_credential_in_test_or_example_code_is_low_and_never_blocks():
    # given the same hard-coded key in application code and in a test and an example
    code = "const jwt = require('jsonwebtoken');\nconst t = jwt.sign({ id: 1 }, 'k3y-2024-prod');\n"
    paths = ["src/auth.js", "tests/auth.test.js", "examples/auth.js"]
    files = [
        SourceFile(path=path, language="javascript", text=code, added_lines=frozenset())
        for path in paths
    ]

    outcome = SemgrepScanner().scan(files)

    # then it is high in the code and low, with the reason, in the test and the example
    severity = {f.path: f.severity for f in outcome.findings if f.cwe == 798}
    assert severity == {
        "src/auth.js": "high",
        "tests/auth.test.js": "low",
        "examples/auth.js": "low",
    }
    assert all(
        "test, fixture, example" in f.message
        for f in outcome.findings
        if f.cwe == 798 and f.path != "src/auth.js"
    )


def test_response_splitting_is_triaged_with_xss():
    # java-response-splitting reports CWE-113: the split response is a page the attacker
    # writes, so the checklist and the evaluations count it in the xss class
    outcome = SemgrepScanner().scan(
        [
            SourceFile(
                path="A.java",
                language="java",
                text="import javax.servlet.http.*;\nclass A {\n"
                "  void a(HttpServletRequest req, HttpServletResponse resp) {\n"
                '    resp.setHeader("X-Lang", req.getParameter("lang"));\n  }\n}\n',
                added_lines=frozenset(),
            )
        ]
    )

    [finding] = outcome.findings
    assert (finding.rule_id, finding.cwe) == ("semgrep.java-response-splitting", 113)
    assert class_of_cwe(finding.cwe) == "xss"
