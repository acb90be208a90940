"""Challenges from each function's outline, in every language: every input that reaches a sink,
and the implicit assumptions no scanner reports.

The outline (`findings.engine.syntax.outline`) says, per function, which names carry an input (a
parameter, a value read from the request, or a local built from them, including builders grown
with `sb.append(x)`) and which calls each line makes. A call on an AI-written line whose callee is
a sink of the file's language and whose arguments carry inputs gets one challenge per input, so
`"… %s %s" % (customer, sort)` asks about both and Java's `StringBuilder` or Go's `fmt.Sprintf`
does not hide the input. Beside the sinks: input used as a size, limit or index; errors swallowed;
a file checked and then used (TOCTOU); a retried operation that may not be idempotent; secrets or
personal data written to logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from findings.engine.syntax.outline import REQUEST_OBJECTS, Call, Function, Outline, request_read
from reviewbench.checklist.assumptions.kinds import (
    ARGUMENT,
    BROWSER,
    CODE,
    DESERIALIZE,
    ERROR_SWALLOWED,
    LDAP,
    LOG_INPUT,
    LOG_SENSITIVE,
    PATH,
    QUERY,
    REDIRECT,
    REGEX,
    RETRY,
    SHELL,
    SIZE,
    SQL,
    SSRF,
    TEMPLATE,
    TOCTOU,
    TRUST_BOUNDARY,
    WEAK_RANDOM,
    XPATH,
    XXE,
    Hit,
    name_text,
)

MAX_SUBJECTS = 3
JS = frozenset({"javascript", "typescript"})
ALL = frozenset({"python", "javascript", "typescript", "java", "go"})


@dataclass(frozen=True)
class Sink:
    kind: str
    languages: frozenset[str]
    callee: re.Pattern[str]
    # Only some of the arguments reach the dangerous part (Go's exec.Command("sh", "-c", cmd)):
    # the positions that count, None for all.
    arguments: tuple[int, ...] | None = None
    # The line must also match this (e.g. a shell is involved), when set.
    line_needs: re.Pattern[str] | None = None
    # Request-derived inputs only (sizes): a helper's integer parameter is not a client's value.
    request_only: bool = False
    # The positions count from after a leading context argument (Go's `ctx`, `r.Context()`).
    after_context: bool = False
    # Also the result of a bare function call (`page.goto(targetUrl())`): for sinks so strong that
    # a value this function does not fix is worth a question even when it is not a known input.
    unknown_calls: bool = False
    # Not asked when the call matches this (an argument vector that ends its options with `--`),
    # nor for an input bound on a line that matches it (`esc = URLEncoder.encode(p)`).
    unless: re.Pattern[str] | None = None
    # The function's body must also match this (it builds markup), when set.
    function_needs: re.Pattern[str] | None = None


def _sink(
    kind: str,
    languages: Iterable[str] | str,
    callee: str,
    *,
    arguments: tuple[int, ...] | None = None,
    line_needs: str | None = None,
    request_only: bool = False,
    after_context: bool = False,
    unknown_calls: bool = False,
    unless: str | None = None,
    function_needs: str | None = None,
) -> Sink:
    langs = frozenset(languages.split()) if isinstance(languages, str) else frozenset(languages)
    return Sink(
        kind,
        langs,
        re.compile(callee),
        arguments,
        re.compile(line_needs) if line_needs else None,
        request_only,
        after_context,
        unknown_calls,
        re.compile(unless) if unless else None,
        re.compile(function_needs) if function_needs else None,
    )


# Programs with options that run a command, name a file to write or a helper to start.
_OPTION_PROGRAMS = (
    r"['\"](?:/usr/bin/)?(?:git|hg|svn|ssh|scp|sftp|rsync|tar|find|curl|wget|zip|sendmail)['\"]"
)
_END_OF_OPTIONS = r"['\"]--(?:end-of-options)?['\"]"
_URL_ENCODED = (
    r"URLEncoder\.encode|[eE]scaper|encodeURIComponent|URLSearchParams|querystring|qs\.stringify|"
    r"\bquote(?:_plus)?\(|urlencode|QueryEscape|url\.Values|\.Encode\(\)|params\s*="
)

_SINKS: tuple[Sink, ...] = (
    # SQL: a query method of a connection, statement, template or ORM handle.
    _sink(
        SQL,
        JS,
        r"^[\w$.]+\.(?:query|execute|raw|prepare|all|get|run)$",
        line_needs=r"(?i)\b(?:select|insert|update|delete|where|from)\b|`[^`]*\$\{",
        arguments=(0,),
    ),
    # Java: methods whose name says SQL (JDBC, JPA, Hibernate, JDO, Spring's JdbcTemplate,
    # Vert.x), whoever the receiver; any argument may be the query (`newQuery(Entity.class,
    # filter)`, `batchUpdate(fixed, sql)`).
    _sink(
        SQL,
        "java",
        r"(?:^|\.)(?:executeQuery|executeUpdate|executeLargeUpdate|addBatch|prepareStatement|"
        r"prepareCall|createQuery|createNativeQuery|createSQLQuery|queryForObject|queryForList|"
        r"queryForMap|queryForRowSet|queryForInt|queryForLong|queryForStream|batchUpdate|"
        r"executeBatchUpdate|newQuery|setFilter|setGrouping|setOrdering|preparedQuery)$|"
        r"^new (?:\w+\.)*PreparedStatementCreatorFactory$",
    ),
    # ...and generic names on a receiver that is a statement, connection, template or client.
    _sink(
        SQL,
        "java",
        r"(?i)^[\w.()]*(?:stmt|statement|jdbc\w*|template|conn\w*|em|entitymanager|session|db|"
        r"client|peer\w*)\.(?:execute|query|update|prepare)$",
        arguments=(0,),
    ),
    # Go: the query is the first argument, the second after a context (`QueryContext(ctx, q)`,
    # pgx's `QueryRow(ctx, q)`); the rest are bound.
    _sink(
        SQL,
        "go",
        r"^[\w.]+\.(?:Query|QueryRow|Exec|Raw|Prepare|Where|Select|Order|Having|Joins|"
        r"QueryContext|ExecContext|QueryRowContext|PrepareContext)$",
        arguments=(0,),
        after_context=True,
    ),
    # Shell: a command line a shell parses.
    _sink(
        SHELL,
        JS,
        r"^(?:(?:child_process|cp|childProcess)\.)?(?:exec|execSync)$|^(?:shell|shelljs)\.exec$",
        arguments=(0,),
    ),
    _sink(
        SHELL,
        JS,
        r"^(?:(?:child_process|cp|childProcess)\.)?(?:spawn|spawnSync|execFile|execFileSync)$",
        line_needs=r"shell\s*:\s*true|['\"](?:sh|bash|cmd(?:\.exe)?|/bin/sh)['\"]",
    ),
    # Runtime.exec, also through a variable (`Runtime r = Runtime.getRuntime(); r.exec(cmd)`):
    # in Java an `exec` method is the runtime's.
    _sink(
        SHELL,
        "java",
        r"Runtime\.getRuntime\(\)\.exec$|^[\w.]+\.exec$",
    ),
    # A process builder runs a program with separate arguments: a command only when a shell runs
    # it, or when the program itself is not a literal.
    _sink(
        SHELL,
        "java",
        r"^new (?:java\.lang\.)?ProcessBuilder$|\.command$",
        line_needs=r"(?:ProcessBuilder|\.command)\(\s*(?:(?![\s\"])|\"[^\"]*\"\s*\+)|"
        r"\"(?:sh|bash|/bin/sh|/bin/bash|cmd|cmd\.exe|powershell)\b",
    ),
    _sink(
        SHELL,
        "go",
        r"^exec\.Command(?:Context)?$",
        line_needs=r"\"(?:sh|bash|/bin/sh|/bin/bash|cmd|powershell)\"",
    ),
    # Argument vectors without a shell, for programs whose options run commands or write files:
    # `spawn("git", ["clone", url])` runs `--upload-pack=…` or an `ext::` URL from the client.
    _sink(
        ARGUMENT,
        JS,
        r"^(?:(?:child_process|cp|childProcess)\.)?(?:spawn|spawnSync|execFile|execFileSync)$",
        arguments=(1,),
        line_needs=_OPTION_PROGRAMS,
        unless=_END_OF_OPTIONS,
    ),
    _sink(
        ARGUMENT,
        "python",
        r"^subprocess\.(?:run|call|Popen|check_output|check_call)$",
        arguments=(0,),
        line_needs=r"\[\s*" + _OPTION_PROGRAMS,
        unless=_END_OF_OPTIONS,
    ),
    _sink(
        ARGUMENT,
        "java",
        r"^new (?:java\.lang\.)?ProcessBuilder$",
        line_needs=r"\(\s*" + _OPTION_PROGRAMS,
        unless=_END_OF_OPTIONS,
    ),
    _sink(
        ARGUMENT,
        "go",
        r"^exec\.Command(?:Context)?$",
        arguments=tuple(range(1, 16)),
        line_needs=r"\(\s*(?:[\w.]+(?:\(\))?,\s*)?" + _OPTION_PROGRAMS,
        after_context=True,
        unless=_END_OF_OPTIONS,
    ),
    # A query string built by concatenation: the value can add parameters of its own.
    _sink(
        QUERY,
        "java",
        r"^new (?:HttpGet|HttpPost|HttpPut|HttpDelete|HttpHead|GetMethod|PostMethod|URL|URI)$|"
        r"\.setQueryString$|^URI\.create$",
        arguments=(0,),
        line_needs=r"(?:[?&]|\")[\w.\[\]-]*=\"\s*\+",
        unless=_URL_ENCODED,
    ),
    _sink(
        QUERY,
        JS,
        r"^(?:fetch|got|axios|axios\.(?:get|post|put|patch|delete|request)|https?\.(?:get|request))$",
        arguments=(0,),
        line_needs=r"[?&][\w.\[\]-]*=(?:\$\{|['\"]\s*\+)",
        unless=_URL_ENCODED,
    ),
    _sink(
        QUERY,
        "python",
        r"^(?:requests|httpx)\.(?:get|post|put|patch|delete|head|request)$|urlopen$",
        arguments=(0,),
        line_needs=r"[?&][\w.\[\]-]*=(?:\{|%s|['\"]\s*[+%])",
        unless=_URL_ENCODED,
    ),
    _sink(
        QUERY,
        "go",
        r"^http\.(?:Get|Post|Head|NewRequest|NewRequestWithContext)$|^\w*[cC]lient\.(?:Get|Post)$",
        line_needs=r"[?&][\w.\[\]-]*=(?:\"\s*\+|%[sv])",
        unless=_URL_ENCODED,
    ),
    # Paths: the file system.
    # The path is the first argument (what is written is not a path); a copy or a rename has two.
    _sink(
        PATH,
        JS,
        r"^(?:fs|fsp|fs\.promises|promises)\.(?:readFile|readFileSync|writeFile|writeFileSync|"
        r"appendFile|appendFileSync|createReadStream|createWriteStream|unlink|unlinkSync|rm|"
        r"rmSync|open|openSync|readdir|readdirSync)$|^res\.(?:sendFile|download)$",
        arguments=(0,),
    ),
    _sink(
        PATH,
        JS,
        r"^(?:fs|fsp|fs\.promises|promises)\.(?:copyFile|copyFileSync|rename|renameSync)$",
        arguments=(0, 1),
    ),
    _sink(
        PATH,
        "java",
        # with or without the package: `new java.io.File(name)`, `java.nio.file.Paths.get(...)`
        r"^new (?:java\.io\.)?(?:File|FileInputStream|FileOutputStream|FileReader|FileWriter|"
        r"RandomAccessFile)$|^(?:java\.nio\.file\.)?(?:Paths\.get|Path\.of)$|"
        r"^(?:java\.nio\.file\.)?Files\.(?:readAllBytes|readString|readAllLines|"
        r"newInputStream|newOutputStream|newBufferedReader|write|writeString|delete|copy|move)$",
    ),
    _sink(
        PATH,
        "go",
        r"^(?:os\.(?:Open|OpenFile|Create|ReadFile|WriteFile|Remove|RemoveAll|ReadDir)|"
        r"ioutil\.(?:ReadFile|WriteFile))$",
        arguments=(0,),
    ),
    _sink(PATH, "go", r"^os\.Rename$", arguments=(0, 1)),
    _sink(PATH, "go", r"^http\.ServeFile$", arguments=(2,)),
    # URLs fetched by the server.
    _sink(
        SSRF,
        JS,
        r"^(?:fetch|got|needle|superagent|axios|axios\.(?:get|post|put|patch|delete|request)|"
        r"https?\.(?:get|request))$",
        arguments=(0,),
    ),
    # A headless browser or an HTML-to-PDF tool on the server: the URL it opens, the markup it
    # renders, the script it runs, in a page (puppeteer, playwright, phantom) or through the
    # DevTools protocol (chrome-remote-interface's Page and Runtime domains).
    _sink(
        BROWSER,
        JS,
        r"^\w*[pP]age\.(?:goto|open|openUrl|navigate|setContent|setDocumentContent|evaluate|"
        r"evaluateOnNewDocument|evaluateJavaScript|evaluateAsync|addScriptTag|printToPDF)$|"
        r"^Runtime\.(?:evaluate|compileScript)$|^wkhtmlto(?:pdf|image)(?:\.generate)?$",
        arguments=(0,),
        unknown_calls=True,
    ),
    # Python's playwright and pyppeteer, and pdfkit/imgkit, which drive wkhtmltopdf.
    _sink(
        BROWSER,
        "python",
        r"^\w*page\.(?:goto|set_content|evaluate|add_init_script|add_script_tag)$|"
        r"^(?:pdfkit|imgkit)\.(?:from_url|from_string)$",
        arguments=(0,),
        unknown_calls=True,
    ),
    _sink(
        BROWSER,
        JS,
        r"^\w*[pP]age\.property$",
        arguments=(1,),
        line_needs=r"\.property\(\s*['\"]content['\"]",
        unknown_calls=True,
    ),
    _sink(
        SSRF,
        "java",
        r"^new URL$|^URI\.create$|\.(?:getForObject|getForEntity|postForObject|postForEntity|"
        r"exchange)$|^HttpRequest\.newBuilder$|\.uri$",
        arguments=(0,),
    ),
    _sink(
        SSRF,
        "go",
        r"^http\.(?:Get|Post|Head|PostForm|NewRequest|NewRequestWithContext)$|^\w*[cC]lient\."
        r"(?:Get|Post|Head)$",
    ),
    # Redirects.
    _sink(REDIRECT, JS, r"^res\.redirect$"),
    _sink(REDIRECT, "java", r"\.sendRedirect$"),
    _sink(REDIRECT, "go", r"^http\.Redirect$", arguments=(2,)),
    # Markup.
    _sink(TEMPLATE, JS, r"^document\.write(?:ln)?$|^res\.send$", line_needs=r"<\w|`[^`]*<"),
    _sink(TEMPLATE, "go", r"^template\.(?:HTML|JS|URL)$"),
    _sink(
        TEMPLATE,
        "go",
        r"^fmt\.Fprintf?$|^io\.WriteString$",
        line_needs=r"<\w",
    ),
    _sink(TEMPLATE, "java", r"getWriter\(\)\.(?:print|println|write|printf)$", line_needs=r"<\w"),
    # A servlet's response is HTML unless it says otherwise: request data written to it as it is
    # is markup the reader's browser runs.
    _sink(
        TEMPLATE,
        "java",
        r"getWriter\(\)\.(?:print|println|write|printf|format|append)$|"
        r"^(?:out|writer|pw|printWriter)\.(?:print|println|write|printf|format|append)$",
        request_only=True,
    ),
    # A Spring handler's response body is HTML when the browser asks for it: request data in a
    # body the function built with markup is markup too.
    _sink(
        TEMPLATE,
        "java",
        r"^new ResponseEntity(?:<[\w<>?, ]*>)?$|^ResponseEntity\.(?:ok|status\(.*\)\.body|"
        r"ok\(\)\.body)$",
        arguments=(0,),
        request_only=True,
        function_needs=r"\"[^\"\n]*<[a-zA-Z]",
    ),
    # Regular expressions.
    _sink(REGEX, JS, r"^(?:new )?RegExp$", arguments=(0,)),
    _sink(REGEX, "java", r"^Pattern\.compile$|^Pattern\.matches$", arguments=(0,)),
    _sink(
        REGEX, "go", r"^regexp\.(?:Compile|MustCompile|MatchString|CompilePOSIX)$", arguments=(0,)
    ),
    # Deserializers.
    _sink(DESERIALIZE, JS, r"^(?:unserialize|deserialize|serialize\.unserialize|yaml\.load)$"),
    _sink(DESERIALIZE, "java", r"^new (?:ObjectInputStream|XMLDecoder)$|\.fromXML$"),
    _sink(DESERIALIZE, "go", r"^gob\.NewDecoder$"),
    # XPath expressions.
    _sink(XPATH, "java", r"(?i)^[\w.()]*xp(?:ath)?\w*\.(?:compile|evaluate)$", arguments=(0,)),
    _sink(XPATH, "python", r"\.xpath$|^(?:lxml\.)?etree\.(?:XPath|ETXPath)$", arguments=(0,)),
    _sink(XPATH, JS, r"^xpath\.(?:select|select1|evaluate|parse)$|^document\.evaluate$"),
    _sink(
        XPATH,
        "go",
        r"^(?:xpath|xmlpath|htmlquery|xmlquery)\.(?:Compile|MustCompile|Find|FindOne|Query|"
        r"QueryAll)$",
    ),
    # LDAP searches: the filter (and the base DN).
    _sink(
        LDAP,
        "java",
        r"(?i)^[\w.()]*(?:ctx|context|dircontext|ldap\w*|template)\.search$",
        arguments=(0, 1),
    ),
    _sink(
        LDAP,
        "python",
        r"\.(?:search_s|search_st|search_ext|search_ext_s)$|^\w*conn\w*\.search$",
        arguments=(0, 1, 2),
    ),
    _sink(LDAP, JS, r"(?i)^[\w$.]*(?:client|ldap)\w*\.search$", arguments=(0, 1)),
    _sink(LDAP, "go", r"^ldap\.NewSearchRequest$"),
    # The session: what later requests read back as the server's own.
    _sink(
        TRUST_BOUNDARY,
        "java",
        r"(?:getSession\(\w*\)|[sS]ession)\.(?:setAttribute|putValue)$",
        arguments=(0, 1),
        request_only=True,
    ),
    _sink(TRUST_BOUNDARY, JS, r"^req\.session\.(?:set|regenerate)$", request_only=True),
    # XML parsed from input (XXE, entity expansion): not asked when the file turns DTDs and
    # external entities off (_XXE_OFF).
    _sink(
        XXE,
        "python",
        r"^(?:xml|lxml)\.[\w.]*(?:parse|parseString|fromstring|XML|iterparse)$|"
        r"^(?:sax|minidom|pulldom|ElementTree|ET|etree|objectify)\.(?:parse|parseString|"
        r"fromstring|XML|iterparse)$",
        arguments=(0,),
    ),
    _sink(
        XXE,
        "java",
        r"(?i)^[\w.()]*(?:builder|db|parser|sp|unmarshaller|u|xif|inputfactory|factory)\."
        r"(?:parse|unmarshal|createXMLStreamReader|createXMLEventReader)$|"
        r"^[\w.()]*(?:saxreader|saxbuilder|xmlreader|reader)\.(?:read|build|parse)$",
        arguments=(0,),
    ),
    _sink(
        XXE,
        JS,
        r"^(?:libxmljs2?|libxml)\.(?:parseXml|parseXmlString|parseXmlAsync)$",
        arguments=(0,),
        line_needs=r"noent\s*:\s*true",
    ),
    # Code run from a value.
    _sink(
        CODE,
        JS,
        r"^(?:(?:window\.)?eval|Function|new Function|vm\.(?:runInNewContext|runInThisContext|"
        r"runInContext|compileFunction)|new vm\.Script|new VMScript|require)$|"
        r"^new (?:VM|NodeVM)\b.*\.run$",
    ),
    _sink(
        CODE,
        "java",
        r"(?i)^[\w.()]*(?:engine|invocable|interpreter)\w*\.(?:eval|evaluate|invokeFunction|"
        r"invokeMethod)$|^[\w.()]*(?:[sS]hell|[gG]roovy\w*|[lL]oader)\.(?:evaluate|parse|parseClass|"
        r"run)$|(?:[eE]xpressionParser|[pP]arser)\.parseExpression$|"
        r"[eE]xpressionFactory\.create(?:Value|Method)Expression$|^Ognl\.(?:getValue|setValue|"
        r"parseExpression)$|\.loadLibrary$|^System\.load$",
    ),
    # Logs.
    _sink(
        LOG_INPUT,
        JS,
        r"^(?:console\.(?:log|info|warn|error|debug)|(?:logger|log)\.\w+)$",
        request_only=True,
    ),
    _sink(
        LOG_INPUT,
        "java",
        r"^(?:log|logger|LOG|LOGGER)\.(?:info|debug|warn|error|trace)$",
        request_only=True,
    ),
    _sink(
        LOG_INPUT,
        "go",
        r"^(?:log\.(?:Printf|Println|Print|Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)|"
        r"(?:glog|klog|logs|beego|logrus|slog)\.\w+|\w*[lL]ogger\.\w+|\w*[lL]og\.\w+)$",
        request_only=True,
    ),
    # Sizes, limits and indexes from the request.
    _sink(
        SIZE,
        "python",
        r"^(?:range|bytearray|itertools\.islice|islice|time\.sleep)$|\.(?:read|recv|limit|"
        r"paginate|sample|fetchmany)$",
        request_only=True,
    ),
    _sink(
        SIZE,
        JS,
        r"^(?:new )?Array$|^Buffer\.(?:alloc|allocUnsafe)$|\.(?:repeat|limit|take|fill)$|"
        r"^setTimeout$",
        request_only=True,
    ),
    _sink(
        SIZE,
        "java",
        r"\.(?:limit|setMaxResults|setFetchSize|subList|nCopies)$|^Thread\.sleep$",
        request_only=True,
    ),
    _sink(
        SIZE,
        "go",
        r"^make$|\.(?:Limit|Offset)$|^time\.Sleep$|^(?:strings|bytes)\.Repeat$|^io\.CopyN$",
        request_only=True,
    ),
)
_JS_SHELL_ALIAS = re.compile(
    r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:util\.)?promisify\(\s*"
    r"(?:(?:child_process|cp|childProcess)\.)?(exec|execFile|spawn)\b"
)

# General-purpose generators, per language: predictable from a few outputs.
_WEAK_RANDOM = {
    "python": re.compile(
        r"^random\.(?:random|randint|randrange|choice|choices|sample|getrandbits|randbytes|"
        r"uniform|shuffle)$|^random\.Random$"
    ),
    "javascript": re.compile(r"^Math\.random$"),
    "typescript": re.compile(r"^Math\.random$"),
    "java": re.compile(
        r"^new (?:java\.util\.)?Random$|^(?:java\.lang\.)?Math\.random$|"
        r"ThreadLocalRandom\.current$|(?:^|\.)Random(?:String)?Utils\.\w+$"
    ),
    "go": re.compile(
        r"^rand\.(?:Int|Intn|Int31|Int31n|Int63|Int63n|Uint32|Uint64|Float32|Float64|Perm|Read|"
        r"IntN|N|Shuffle)$"
    ),
}
# Where a random value guards something: the function's name or body says so.
_SECRET_USE = re.compile(
    r"(?i)(?:token|passw|secret|nonce|salt|otp|csrf|session|cookie|remember|auth|reset|"
    r"api_?key|private_?key|\bpin\b|verif\w*code|invite|coupon|voucher)"
)
_GO_MATH_RAND = re.compile(r'^\s*(?:import\s+)?"math/rand(?:/v2)?"', re.MULTILINE)
_GO_CRYPTO_RAND = re.compile(r'^\s*(?:import\s+)?"crypto/rand"', re.MULTILINE)

# A Python file's imports from the standard or lxml XML modules: `from xml.dom.pulldom import
# parse` makes a bare `parse(...)` the XML parser's.
_PY_XML_IMPORT = re.compile(r"^\s*from\s+((?:xml|lxml)(?:\.\w+)*)\s+import\s+([\w, ]+)$", re.M)
# Parsers told not to load DTDs or resolve external entities (Java's features and attributes,
# lxml's and xmltodict's options), or the defused parsers.
_XXE_OFF = re.compile(
    r"disallow-doctype-decl\"?\s*,\s*true|external-(?:general|parameter)-entities\"?\s*,\s*"
    r"false|load-external-dtd\"?\s*,\s*false|ACCESS_EXTERNAL_(?:DTD|SCHEMA|STYLESHEET)|"
    r"IS_SUPPORTING_EXTERNAL_ENTITIES\s*,\s*(?:false|Boolean\.FALSE)|SUPPORT_DTD\s*,\s*"
    r"(?:false|Boolean\.FALSE)|setExpandEntityReferences\(\s*false|resolve_entities\s*=\s*False|"
    r"\bdefusedxml\b"
)

_SENSITIVE = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|token|api_?key|apikey|authorization|auth_header|"
    r"cookie|session_?id|ssn|social_security|card_?number|cc_?number|cvv|iban|private_?key)"
)
_LOG_CALL = re.compile(
    r"(?:^|\.)(?:debug|info|warning|warn|error|exception|critical|log|trace|Printf|Println|"
    r"Print|Infof|Errorf|Debugf|Warnf)$|^print$|^System\.out\.print(?:ln)?$|^console\.\w+$"
)
_NOT_LOGGERS = re.compile(r"^(?:fmt\.Errorf|errors\.New)$")
_CHECK_CALL = re.compile(
    r"(?:^|\.)(?:exists|existsSync|isfile|isdir|access|accessSync|lexists|Stat|Lstat|isFile|"
    r"isDirectory|canRead|canWrite|is_file|is_dir)$"
)
_USE_CALL = re.compile(
    r"(?:^|\.)(?:open|readFile|readFileSync|writeFile|writeFileSync|createReadStream|"
    r"createWriteStream|unlink|unlinkSync|remove|rmtree|rename|replace|Open|OpenFile|Create|"
    r"ReadFile|WriteFile|Remove|RemoveAll|Rename|read_text|write_text|read_bytes|write_bytes|"
    r"delete|FileInputStream|FileOutputStream|FileReader|FileWriter|copy|move|chmod)$"
)
_RETRY_MARKER = re.compile(
    r"(?i)(?:^|[.@\s(])(?:retry|retrying|retryable|backoff|with_?retr\w*|pRetry|"
    r"tenacity\.\w+|on_exception)\b|for\s+(?:\w+\s*(?:,|:=)\s*)?(?:attempt|retry|tries|try_)\w*"
)
_NOT_IDEMPOTENT = re.compile(
    r"(?i)(?:^|\.)(?:post|put|patch|delete|create|insert\w*|save|send\w*|charge|refund|"
    r"transfer|pay\w*|publish|enqueue|execute|executeUpdate|Exec|Do|PostForm)$"
)
_SWALLOW_PY = re.compile(r"^\s*except\b[^:]*:\s*(?:pass|continue|\.\.\.|return(?: None)?)?\s*$")
_SWALLOW_BODY_PY = re.compile(r"^\s*(?:pass|continue|\.\.\.|return(?: None)?)\s*(?:#.*)?$")
_SWALLOW_BRACES = re.compile(
    r"catch\s*(?:\([^)]*\))?\s*\{\s*(?://[^\n]*)?\}|\.catch\(\s*(?:\(\s*\w*\s*\)|\w+)\s*=>\s*"
    r"(?:\{\s*\}|null|undefined|void 0)\s*\)"
)
_CATCH_OPEN = re.compile(r"catch\s*(?:\([^)]*\))?\s*\{\s*$")
_GO_IGNORED_ERROR = re.compile(
    # the whole block on one line; an `if err != nil {` that opens a body is judged by the body
    r"^\s*if\s+err\s*!=\s*nil\s*\{\s*(?:return nil|return|continue)?\s*\}\s*$|"
    r"^\s*_\s*=\s*[\w.]+\(|,\s*_\s*:?=\s*[\w.]+\.(?:Exec|Write|Close|Remove|Rename|Marshal|"
    r"Unmarshal|Decode|Encode|Query|Do|Copy)\("
)
_GO_BLANK_BODY = re.compile(r"^\s*(?:return nil|return|continue)?\s*\}\s*$")


def _subject(name: str, origin: str, line: int, function: Function) -> str:
    """`origin`, with the line it was read from the request (a parameter needs none) and the
    local that carried it to the sink: "`name` (line 3, via `cmd` on line 4)"."""
    carriers = function.carriers()
    read_at = carriers.get(origin, (origin, function.start))[1]
    where = f"line {read_at}" if read_at > function.start else ""
    if name == origin:
        return f"`{name_text(origin)}` ({where})" if where else f"`{name_text(origin)}`"
    via = (
        f"via `{name_text(name)}` on line {line}"
        if where
        else f"via `{name_text(name)}`, line {line}"
    )
    return f"`{name_text(origin)}` ({where + ', ' if where else ''}{via})"


# A call whose first argument is a context: `(ctx, …`, `(r.Context(), …`, `(context.TODO(), …`.
_CONTEXT_ARGUMENT = re.compile(
    r"^[^(]*\(\s*(?:\w*[cC]tx\w*|[\w.]*\.Context\(\)|context\.\w+\(\))\s*,"
)
_HANDLER_OBJECTS = REQUEST_OBJECTS | {"self", "this"}


def _argument_names(call: Call, sink: Sink) -> list[str]:
    """The names read by the arguments at the sink's positions (all of them when it names none;
    counted after a leading context argument where the sink says so)."""
    positions: Sequence[int] = (
        sink.arguments if sink.arguments is not None else range(len(call.arguments))
    )
    if sink.after_context and _CONTEXT_ARGUMENT.search(call.snippet):
        positions = [position + 1 for position in positions]
    return [
        name
        for position in positions
        if position < len(call.arguments)
        for name in call.arguments[position].split()
    ]


def _inputs_of(
    call: Call, sink: Sink, function: Function, language: str
) -> list[tuple[str, str, int]]:
    """(name, origin input, line bound) for each argument name that carries an input; a read of
    the request object inside the call (`fetch(req.query.url)`) is its own input."""
    carriers = function.carriers()
    request = set(function.request_names)
    found: list[tuple[str, str, int]] = []
    for name in _argument_names(call, sink):
        if name not in carriers:
            continue
        origin, bound = carriers[name]
        if sink.request_only and name not in request and origin not in request:
            continue
        if origin in _HANDLER_OBJECTS and origin in function.params:
            # the request object itself is not an input; what the call reads from it is
            read = request_read(language, call.snippet)
            if (
                read is not None
                and read.split(".")[0] == name
                and not _wrapped(read, call, function)
            ):
                found.append((read, read, function.start))
            continue
        found.append((name, origin, bound))
    return found


def _wrapped(read: str, call: Call, function: Function) -> bool:
    """Whether `read` reaches `call` through another call first (`redirect(safeNext(req.x))`),
    which may check it: only a read handed over as it is counts."""
    return any(
        other is not call
        and other.line == call.line
        and read in other.snippet
        and other.snippet != read
        and other.snippet in call.snippet
        for other in function.calls
    )


def _unknown_values(call: Call, sink: Sink, function: Function) -> list[str]:
    """The bare functions whose results the sink's arguments take (`page.goto(targetUrl())`)."""
    called = {c.callee for c in function.calls if c.line == call.line and c is not call}
    return [name for name in _argument_names(call, sink) if name in called]


def _sink_hits(outline: Outline, language: str, text: str, ai_lines: frozenset[int]) -> list[Hit]:
    lines = text.splitlines()
    aliases: dict[str, str] = {}
    if language in JS:
        aliases = {m.group(1): m.group(2) for m in _JS_SHELL_ALIAS.finditer(text)}
    elif language == "python":
        aliases = {
            name.strip(): f"{m.group(1)}.{name.strip()}"
            for m in _PY_XML_IMPORT.finditer(text)
            for name in m.group(2).split(",")
            if name.strip()
        }
    hits: list[Hit] = []
    for function in outline.functions:
        for call in function.calls:
            if call.line not in ai_lines or call.line > len(lines):
                continue
            head, dot, rest = call.callee.partition(".")
            callee = aliases[head] + dot + rest if head in aliases else call.callee
            line_text = lines[call.line - 1]
            # One sink per kind: the first that matches speaks for the call (a query string and
            # the URL it is part of are two questions; two SQL patterns for one call are one).
            kinds_done: set[str] = set()
            for sink in _SINKS:
                if sink.kind in kinds_done:
                    continue
                if language not in sink.languages or not sink.callee.search(callee):
                    continue
                if sink.line_needs is not None and not (
                    sink.line_needs.search(line_text) or sink.line_needs.search(call.snippet)
                ):
                    if not (callee != call.callee and sink.kind == SHELL):
                        continue
                if sink.unless is not None and sink.unless.search(call.snippet):
                    continue
                if sink.function_needs is not None and not sink.function_needs.search(
                    "\n".join(lines[function.start - 1 : function.end])
                ):
                    continue
                seen: set[str] = set()
                for name, origin, bound in _inputs_of(call, sink, function, language):
                    if origin in seen:
                        continue
                    if sink.unless is not None and 0 < bound <= len(lines):
                        if sink.unless.search(lines[bound - 1]):
                            continue
                    seen.add(origin)
                    hits.append(
                        Hit(
                            sink.kind,
                            call.line,
                            call.callee,
                            _subject(name, origin, bound, function),
                        )
                    )
                    if len(seen) == MAX_SUBJECTS:
                        break
                if sink.unknown_calls and not seen:
                    for name in _unknown_values(call, sink, function)[:1]:
                        subject = f"the result of `{name_text(name)}()`"
                        hits.append(Hit(sink.kind, call.line, call.callee, subject))
                kinds_done.add(sink.kind)
    return hits


def _log_sensitive_hits(outline: Outline, ai_lines: frozenset[int]) -> list[Hit]:
    hits: list[Hit] = []
    for function in outline.functions:
        for call in function.calls:
            if call.line not in ai_lines or not _LOG_CALL.search(call.callee):
                continue
            if _NOT_LOGGERS.search(call.callee):
                continue
            names = [n for n in call.names() if _SENSITIVE.search(n)]
            if names:
                hits.append(Hit(LOG_SENSITIVE, call.line, call.callee, f"`{name_text(names[0])}`"))
    return hits


def _toctou_hits(outline: Outline, ai_lines: frozenset[int]) -> list[Hit]:
    hits: list[Hit] = []
    for function in outline.functions:
        checked: dict[str, int] = {}
        for call in function.calls:
            names = [n for n in call.names() if n not in ("os", "fs", "Files", "self", "this")]
            if _CHECK_CALL.search(call.callee):
                owner = call.callee.rsplit(".", 1)[0]
                for name in [*names, owner]:
                    checked.setdefault(name, call.line)
                continue
            if not _USE_CALL.search(call.callee) or call.line not in ai_lines:
                continue
            owner = call.callee.rsplit(".", 1)[0]
            used = [n for n in [*names, owner] if n in checked and checked[n] < call.line]
            if used:
                hits.append(
                    Hit(
                        TOCTOU,
                        call.line,
                        call.callee,
                        f"`{name_text(used[0])}` (checked on line {checked[used[0]]})",
                    )
                )
    return hits


def _retry_hits(outline: Outline, text: str, ai_lines: frozenset[int]) -> list[Hit]:
    lines = text.splitlines()
    hits: list[Hit] = []
    for function in outline.functions:
        body = "\n".join(lines[function.start - 1 : function.end])
        marked = any(_RETRY_MARKER.search(d) for d in function.decorators) or bool(
            _RETRY_MARKER.search(body)
        )
        if not marked:
            continue
        for call in function.calls:
            if call.line in ai_lines and _NOT_IDEMPOTENT.search(call.callee):
                hits.append(Hit(RETRY, call.line, call.callee))
                break
    return hits


def _weak_random_hits(
    outline: Outline, language: str, text: str, ai_lines: frozenset[int]
) -> list[Hit]:
    """A general-purpose generator in a function whose name or body handles a secret (a
    token, a password, a session, a cookie): once per function, on its first such call."""
    pattern = _WEAK_RANDOM.get(language)
    if pattern is None:
        return []
    # Go: `rand.` is math/rand's only when crypto/rand is not the one imported as `rand`.
    if language == "go" and (not _GO_MATH_RAND.search(text) or _GO_CRYPTO_RAND.search(text)):
        return []
    lines = text.splitlines()
    hits: list[Hit] = []
    for function in outline.functions:
        for call in function.calls:
            if call.line not in ai_lines or not pattern.search(call.callee):
                continue
            body = "\n".join(lines[function.start - 1 : function.end])
            if _SECRET_USE.search(function.name) or _SECRET_USE.search(body):
                hits.append(Hit(WEAK_RANDOM, call.line, call.callee))
            break
    return hits


def _swallowed_hits(language: str, text: str, ai_lines: frozenset[int]) -> list[Hit]:
    lines = text.splitlines()
    hits: list[Hit] = []
    for number in sorted(ai_lines):
        if number < 1 or number > len(lines):
            continue
        line = lines[number - 1]
        following = lines[number] if number < len(lines) else ""
        if language == "python":
            stripped = line.strip()
            if not stripped.startswith("except"):
                continue
            broad = re.match(r"except\s*(?:\(?\s*(?:Exception|BaseException)\b[^:]*)?:", stripped)
            if broad and (
                (_SWALLOW_PY.match(line) and not stripped.endswith(":"))
                or (stripped.endswith(":") and _SWALLOW_BODY_PY.match(following))
            ):
                hits.append(Hit(ERROR_SWALLOWED, number))
        elif language in JS or language == "java":
            if _SWALLOW_BRACES.search(line) or (
                _CATCH_OPEN.search(line) and re.match(r"^\s*\}", following)
            ):
                hits.append(Hit(ERROR_SWALLOWED, number))
        elif language == "go" and (
            _GO_IGNORED_ERROR.search(line)
            or (
                re.match(r"^\s*if\s+err\s*!=\s*nil\s*\{\s*$", line)
                and _GO_BLANK_BODY.match(following)
            )
        ):
            hits.append(Hit(ERROR_SWALLOWED, number))
    return hits


# Code that runs in the browser fetches on behalf of its user, not of the server: no SSRF there.
_BROWSER_PATH = re.compile(
    r"(?:^|/)(?:public|static|assets|frontend|client|components|pages|src/app|www)/|\.(?:jsx|tsx)$"
)


def browser_code(path: str, text: str) -> bool:
    """Whether a JavaScript/TypeScript file runs in the browser (its path or its DOM use)."""
    return bool(_BROWSER_PATH.search(path)) or bool(
        re.search(r"\bdocument\.(?:getElementById|querySelector|createElement)\b", text)
    )


def flow_hits(outline: Outline, text: str, ai_lines: frozenset[int]) -> list[Hit]:
    """Every challenge the outline of one file gives on its AI-written lines."""
    language = outline.language
    if language not in ALL:
        return []
    hits: list[Hit] = []
    if language != "python":
        # Python's sinks are read by the AST walk, which resolves names the same way.
        hits += _sink_hits(outline, language, text, ai_lines)
    else:
        # ...except sizes, XPath, LDAP, XML, argument vectors, headless browsers and query
        # strings, which that walk does not know.
        hits += [
            h
            for h in _sink_hits(outline, language, text, ai_lines)
            if h.kind in (SIZE, XPATH, LDAP, XXE, ARGUMENT, BROWSER, QUERY)
        ]
    hits += _weak_random_hits(outline, language, text, ai_lines)
    hits += _log_sensitive_hits(outline, ai_lines)
    hits += _toctou_hits(outline, ai_lines)
    hits += _retry_hits(outline, text, ai_lines)
    hits += _swallowed_hits(language, text, ai_lines)
    return hits


def subject_name(subject: str) -> str:
    """The first backticked name of a subject (`name` (line 3) -> name), for deduplication."""
    match = re.search(r"`([^`]*)`", subject)
    return match.group(1) if match else subject


def unique(hits: Sequence[Hit]) -> list[Hit]:
    """Hits without repeats of (kind, line, subject): two readers of one line agree once."""
    seen: set[tuple[str, int, str]] = set()
    out: list[Hit] = []
    for hit in hits:
        key = (hit.kind, hit.line, subject_name(hit.subject))
        if key in seen:
            continue
        seen.add(key)
        out.append(hit)
    return out


# --- guards the code already shows ----------------------------------------------------------------

# A check, per kind, that stands between an input and its sink. When the function shows one on a
# line that names the input, before the sink, the reviewer is not asked to find it: the question
# would only make them point at the line the code already shows. Weak forms (a prefix check on an
# unresolved path) are deliberately not guards.
_MEMBERSHIP = (
    r"\b(?:not\s+)?in\s+(?:[A-Z_][A-Z0-9_]{2,}|\{|\[|\(|frozenset|set\()|"
    r"(?<![\w.])(?:[A-Z_][A-Z0-9_]{2,}|allow\w*|permitted\w*|valid\w*)\.(?:includes|has|"
    r"contains|containsKey)\(|slices\.Contains\(|\bswitch\b|\bcase\b"
)
_GUARDS: dict[str, re.Pattern[str]] = {
    SQL: re.compile(
        _MEMBERSHIP + r"|\bint\(|parseInt\(|Atoi\(|Integer\.parseInt\(|isdigit\(|"
        r"fullmatch\(|\.matches\(\s*\"\^"
    ),
    SHELL: re.compile(
        _MEMBERSHIP + r"|shlex\.quote\(|fullmatch\(|\.matches\(\s*\"\^|"
        r"MatchString\(|\.test\(|\.matcher\([^)]*\)\.matches\(\)"
    ),
    PATH: re.compile(
        r"secure_filename\(|basename\(|filepath\.Base\(|path\.Base\(|getFileName\(\)|"
        r"(?:realpath|resolve|abspath|normalize|Clean|toRealPath)\b.*(?:startswith|startsWith|"
        r"HasPrefix|commonpath|is_relative_to|relative_to)|(?:startswith|startsWith|HasPrefix|"
        r"commonpath|is_relative_to|relative_to)\b.*(?:realpath|resolve|abspath|normalize|base|"
        r"BASE|root|ROOT)|" + _MEMBERSHIP
    ),
    SSRF: re.compile(
        _MEMBERSHIP + r"|(?:hostname|netloc|host|Host|getHost\(\))\b.*\b(?:in|==|"
        r"equals|includes|has)\b"
        # Go: a lookup in an allow-list map keyed by the host, `allowedHosts[u.Hostname()]`
        r"|(?<![\w.])(?:allow\w*|permitted\w*|trusted\w*|valid\w*)\s*\[\s*[\w.]+\.(?:Hostname\(\)|Host)\s*\]"
    ),
    REDIRECT: re.compile(
        r"url_has_allowed_host_and_scheme\(|is_safe_url\(|startswith\(\s*['\"]/['\"]\s*\).*//|"
        r"startsWith\(\s*['\"]/['\"]\s*\).*//|" + _MEMBERSHIP
    ),
    REGEX: re.compile(r"re\.escape\(|escapeRegExp\(|escapeRegex\w*\(|Pattern\.quote\(|QuoteMeta\("),
    LOG_INPUT: re.compile(
        r"replace\(\s*['\"/\\[]*\\?[rn]|\brepr\(|%r\b|json\.dumps\(|JSON\.stringify\(|"
        r"strconv\.Quote\(|%q\b|sanitize\w*\(|escape\w*\("
    ),
    TEMPLATE: re.compile(
        r"escape\(|textContent|DOMPurify\.sanitize\(|EscapeString\(|encodeForHTML\(|"
        r"format_html\(|bleach\.clean\(|forHtml\w*\(|htmlEscape\(|escapeHtml\d?\(|escapeXml\w*\("
    ),
    XPATH: re.compile(_MEMBERSHIP + r"|escape\w*\(|encodeForXPath\(|XPathVariableResolver"),
    TRUST_BOUNDARY: re.compile(
        _MEMBERSHIP + r"|\bint\(|parseInt\(|Integer\.parseInt\(|isdigit\(|fullmatch\(|"
        r"\.matches\(\s*\"\^|\.test\("
    ),
    LDAP: re.compile(
        _MEMBERSHIP + r"|escape_(?:filter_chars|dn_chars|rdn)\(|filter_format\(|"
        r"encodeFor(?:LDAP|DN)\(|LdapEncoder\.|ldap\.EscapeFilter\("
    ),
}


_PATH_BUILDERS = re.compile(r"(?:^|\.)(?:join|Join|resolve|Path|Paths\.get|of)$")
# A path made canonical (symlinks and `..` resolved), or made relative to a base...
_PATH_RESOLVED = re.compile(
    r"realpath\(|\.resolve\(|abspath\(|\.normalize\(|toRealPath\(|filepath\.(?:Rel|Clean|Abs)\("
    r"|path\.(?:resolve|relative|normalize)\("
)
# ... then checked to stay under it: the containment check that stops a traversal.
_PATH_CONTAINED = re.compile(
    r"startswith\(|startsWith\(|HasPrefix\(|is_relative_to\(|relative_to\(|commonpath\("
)


def guarded(hit: Hit, outline: Outline, text: str) -> bool:
    """Whether the function shows a check of `hit`'s input for its kind before the sink."""
    if hit.kind == XXE:
        return bool(_XXE_OFF.search(text))
    pattern = _GUARDS.get(hit.kind)
    if pattern is None or not hit.subject:
        return False
    function = outline.enclosing(hit.line)
    if function is None:
        return False
    names = set(re.findall(r"`([^`]+)`", hit.subject))
    carriers = function.carriers()
    # The input and every local that carries it.
    names |= {name for name, (origin, _line) in carriers.items() if origin in names}
    lines = text.splitlines()
    # A local bound from a resolved path (realpath, resolve, filepath.Rel, …) and checked for
    # containment on a later line guards the input it carries, whatever the check's other words.
    resolved = {
        name
        for name, (origin, line) in carriers.items()
        if hit.kind == PATH
        and (origin in names or name in names)
        and 0 < line <= len(lines)
        and _PATH_RESOLVED.search(lines[line - 1])
    }
    # A path is often joined first and checked after (resolve, then compare with the base), before
    # it is opened: for a join, the check may follow it.
    last = function.end if hit.kind == PATH and _PATH_BUILDERS.search(hit.sink) else hit.line
    for number in range(function.start, min(last, len(lines)) + 1):
        line = lines[number - 1]
        if line.lstrip().startswith(("//", "#", "/*", "*")):
            continue  # a comment that names the input and a check's word checks nothing
        if any(re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", line) for n in names):
            if pattern.search(line):
                return True
        if resolved and _PATH_CONTAINED.search(line):
            if any(re.search(rf"(?<![\w$.]){re.escape(n)}(?![\w$])", line) for n in resolved):
                return True
    return False
