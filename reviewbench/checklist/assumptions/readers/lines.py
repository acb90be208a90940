"""JavaScript/TypeScript, Java, Go (and Python that does not parse): line patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewbench.checklist.assumptions.kinds import (
    AUTHZ,
    CODE,
    COOKIE_FLAGS,
    CRYPTO,
    DESERIALIZE,
    ERROR_DETAILS,
    FILE_PERMISSIONS,
    LOG_INPUT,
    PARSE,
    PATH,
    REDIRECT,
    REGEX,
    SECRET_COMPARE,
    SHELL,
    SQL,
    SSRF,
    TEMPLATE,
    TIMEOUT,
    TLS_VERIFY,
    TRUST_BOUNDARY,
    UPLOAD,
    XXE,
    Hit,
    name_text,
    normalise_code,
    public_by_design,
)

# --- other languages (and Python that does not parse): line patterns ----------------------------

_IDENT = r"[A-Za-z_$][\w$]*"


@dataclass(frozen=True)
class _LineRule:
    kind: str
    languages: frozenset[str]
    pattern: re.Pattern[str]
    sink: str
    unless: re.Pattern[str] | None = None
    extra: str = ""
    # The call the pattern matched names the sink (`MessageDigest.getInstance`), not an input.
    sink_as_matched: bool = False


def _rule(
    kind: str,
    languages: str,
    pattern: str,
    sink: str,
    unless: str | None = None,
    extra: str = "",
    *,
    sink_as_matched: bool = False,
) -> _LineRule:
    return _LineRule(
        kind,
        frozenset(languages.split()),
        re.compile(pattern),
        sink,
        re.compile(unless) if unless else None,
        extra,
        sink_as_matched,
    )


_JS = "javascript typescript"
_ALL = "javascript typescript java go python"
# `(?P<var>…)` names the variable when the pattern can see it; otherwise the line is quoted.
_LINE_RULES: tuple[_LineRule, ...] = (
    _rule(SQL, _JS, r"\.(?:query|execute|raw)\s*\(\s*`[^`]*\$\{\s*(?P<var>[\w$.]+)", "query"),
    _rule(
        SQL,
        _JS,
        r"\.(?:query|execute|raw)\s*\(\s*['\"][^'\"]*['\"]\s*\+\s*(?P<var>[\w$.]+)",
        "query",
    ),
    _rule(
        SQL,
        "java",
        r"\.(?:executeQuery|executeUpdate|execute|prepareStatement|createQuery|createNativeQuery)\s*\(\s*\"[^\"]*\"\s*\+\s*(?P<var>\w[\w.]*)",
        "executeQuery",
    ),
    _rule(
        SQL,
        "go",
        r"\.(?:Query|QueryRow|Exec|QueryContext|ExecContext)\s*\(\s*(?:ctx\s*,\s*)?(?:fmt\.Sprintf\(|\"[^\"]*\"\s*\+\s*)(?P<var>[\w.]*)",
        "db.Query",
    ),
    _rule(
        SQL,
        "python",
        r"\.execute(?:many)?\s*\(\s*f?['\"].*(?:%|\{|\+)",
        "execute",
        unless=r"\.execute\s*\(\s*['\"][^'\"]*['\"]\s*,",
    ),
    _rule(
        SHELL,
        _JS,
        # `re.exec(text)` on a RegExp is not a command: only a bare or child_process call.
        r"(?:(?<![\w$.])|(?<=child_process\.)|(?<=\bcp\.))(?:exec|execSync|spawn|spawnSync|"
        r"execFile)\s*\(\s*(?P<var>[`\w$.]+)",
        "child_process.exec",
        unless=r"\b(?:exec|execSync|spawn|execFile)\s*\(\s*['\"][^'\"$]*['\"]\s*[,)]",
    ),
    # a spawn whose options hand the command line to a shell, Deno's run of a variable program
    _rule(
        SHELL,
        _JS,
        r"\b(?:spawn|spawnSync|execFile|execFileSync)\s*\(.*\bshell\s*:\s*(?:true|['\"][^'\"]+['\"])|"
        r"\bcmd\s*:\s*\[\s*(?:(?P<var>[A-Za-z_$][\w$.]*)|['\"](?:ba)?sh['\"]\s*,\s*['\"]-c['\"])",
        "spawn with a shell",
    ),
    # a method looked up by a name that came in (`window[message.name](...)`)
    _rule(
        CODE,
        _JS,
        r"\b(?:window|global|globalThis|this)\[\s*(?P<var>[\w$.]+)\s*\]\s*\(",
        "window[name]",
    ),
    _rule(
        SHELL,
        "java",
        r"Runtime\.getRuntime\(\)\.exec\s*\(\s*(?P<var>[\w.\"+ ]+)"
        r"|new\s+ProcessBuilder\s*\(\s*(?P<var2>\w+)",
        "Runtime.exec",
    ),
    _rule(
        SHELL,
        "go",
        # A shell parses the command line, or the program itself comes from a variable; separate
        # arguments to a fixed program are not a shell command.
        r"exec\.Command(?:Context)?\s*\(\s*(?:[\w.]*(?:ctx|Ctx|Context\(\)|Background\(\)|TODO\(\))\s*,\s*)?(?:\"(?:sh|bash|/bin/sh|/bin/bash|cmd|"
        r"powershell)\"\s*,\s*(?:\"[^\"]*\"\s*,\s*)*|(?=[A-Za-z_]))(?P<var>[A-Za-z_][\w.]*)(?![\w.(])",
        "exec.Command",
        unless=r"exec\.Command(?:Context)?\s*\((?:ctx\s*,\s*)?\"[^\"]*\"\s*(?:,\s*\"[^\"]*\"\s*)*\)",
    ),
    _rule(
        SHELL,
        "python",
        r"\b(?:os\.system|os\.popen|subprocess\.\w+)\s*\(.*(?:shell\s*=\s*True|f['\"]|\+)",
        "subprocess",
    ),
    _rule(
        PATH,
        _JS,
        r"\b(?:fs\.\w+|readFile\w*|createReadStream|sendFile|path\.(?:join|resolve))\s*\(.*\b(?P<var>req\.[\w.]+)",
        "fs",
    ),
    _rule(
        PATH,
        "java",
        r"new\s+(?:File|FileInputStream|FileReader)\s*\(\s*[^)]*?(?P<var>\b(?!\")\w+)\s*\)|Paths\.get\s*\(.*\+\s*(?P<var2>\w+)",
        "new File",
    ),
    _rule(
        PATH,
        "go",
        r"(?:os\.(?:Open|ReadFile|Create|WriteFile|Remove)|ioutil\.ReadFile)\s*\(\s*(?:\"[^\"]*\"\s*,\s*)?(?P<var>[A-Za-z_][\w.]*)",
        "os.Open",
    ),
    _rule(
        PATH,
        "go",
        # filepath.Join(base, name): the part that can climb out of the base comes last.
        r"filepath\.Join\s*\((?:[^,()]*,\s*)+(?P<var>[A-Za-z_][\w.]*)\s*\)",
        "filepath.Join",
    ),
    _rule(
        SSRF,
        _JS,
        r"\b(?:fetch|axios(?:\.\w+)?|got|http\.get|https\.get|request)\s*\(\s*(?P<var>[`\w$.]+)",
        "fetch",
        unless=r"\b(?:fetch|axios(?:\.\w+)?|got|http\.get|https\.get|request)\s*\(\s*['\"]",
    ),
    _rule(
        SSRF,
        "java",
        r"new\s+URL\s*\(\s*(?P<var>\w[\w.]*)\s*\)|restTemplate\.\w+\(\s*(?P<var2>\w[\w.]*)",
        "new URL",
    ),
    _rule(
        SSRF,
        "go",
        r"http\.(?:Get|Post|Head|NewRequest(?:WithContext)?)\s*\(\s*(?:ctx\s*,\s*)?(?:\"\w+\"\s*,\s*)?(?P<var>[A-Za-z_][\w.]*)",
        "http.Get",
    ),
    _rule(
        REDIRECT,
        _JS,
        r"\.redirect\s*\(\s*(?:\d+\s*,\s*)?(?P<var>req\.[\w.]+|[A-Za-z_$][\w$.]*)\s*\)",
        "res.redirect",
        unless=r"\.redirect\s*\(\s*(?:\d+\s*,\s*)?['\"]",
    ),
    _rule(
        REDIRECT,
        "java",
        r"sendRedirect\s*\(\s*(?P<var>\w[\w.()]*)",
        "sendRedirect",
        unless=r"sendRedirect\s*\(\s*\"",
    ),
    _rule(
        REDIRECT,
        "go",
        r"http\.Redirect\s*\(\s*\w+\s*,\s*\w+\s*,\s*(?P<var>[A-Za-z_][\w.()]*)",
        "http.Redirect",
    ),
    _rule(
        TEMPLATE,
        _JS,
        r"\.(?:innerHTML|outerHTML)\s*\+?=\s*(?P<var>[`\w$.]+)|dangerouslySetInnerHTML|document\.write\s*\(",
        "innerHTML",
        unless=r"\.innerHTML\s*=\s*['\"][^'\"]*['\"]\s*;?\s*$|DOMPurify\.sanitize\(|sanitize\w*\(",
    ),
    # jQuery parses a string as HTML (and a selector from a variable may be HTML too).
    _rule(
        TEMPLATE,
        _JS,
        r"(?:\$|jQuery)\([^()]*\)\.(?:html|append|prepend|after|before|wrap|wrapAll|wrapInner|"
        r"replaceWith|insertBefore|insertAfter|appendTo|prependTo)\s*\(\s*(?P<var>[A-Za-z_$][\w$.]*)"
        r"\s*\)|(?:\$|jQuery)\(\s*(?P<var2>[A-Za-z_$][\w$.]*|['\"]<[^'\"]*['\"]\s*\+\s*[\w$.]+)|"
        r"\.insertAdjacentHTML\s*\(|jQuery\.globalEval\s*\(",
        "jQuery",
        unless=r"(?:\$|jQuery)\(\s*(?:this|document|window|function|\(\)\s*=>)\b",
    ),
    # Escaping turned off or values marked trusted: Angular's $sce, React, Mustache, markdown.
    _rule(
        TEMPLATE,
        _JS,
        r"\$sce\.trustAs\w*\s*\(|\$sceProvider\.enabled\s*\(\s*false|resourceUrlWhitelist\s*\("
        r".*\*\*|allowDangerousHtml|escapeHtml\s*=\s*\{\s*false|\b(?:Mustache|template)\.escape\s*="
        r"|\bserialize\s*\(.*\bunsafe\s*:\s*true|createNodesFromMarkup\s*\(",
        "trusted HTML",
    ),
    # HTML assembled from values: a tag in a literal joined to a variable.
    _rule(
        TEMPLATE,
        _JS,
        r"['\"]\s*<\/?[a-zA-Z][^'\"]*['\"]\s*\+\s*(?P<var>[A-Za-z_$][\w$.\[\]'\"]*)|"
        r"`[^`]*<[a-zA-Z][^`]*\$\{\s*(?P<var2>[^}]+?)\s*\}",
        "HTML string",
        unless=r"escape\w*\(|encode\w*\(|sanitize\w*\(|DOMPurify|textContent",
    ),
    _rule(TEMPLATE, "go", r"template\.HTML\s*\(\s*(?P<var>[A-Za-z_][\w.]*)", "template.HTML"),
    # html/template's trusted types (their content is never escaped), text/template (which never
    # escapes), and a response written from a formatted string
    _rule(
        TEMPLATE,
        "go",
        r"\btemplate\.(?:HTML|HTMLAttr|JS|JSStr|CSS|URL|Srcset)\b\s*(?:=|\(\s*(?:fmt\.|[A-Za-z_]))|"
        r"^\s*(?:import\s+)?(?:\w+\s+)?\"text/template\"|"
        r"\b\w+\.Write\s*\(\s*\[\]byte\s*\(\s*(?:fmt\.Sprintf|[A-Za-z_]\w*\s*\))",
        "html/template",
        unless=r"template\.HTML\s*\(\s*(?:\"|`)",
        sink_as_matched=True,
    ),
    _rule(
        TEMPLATE,
        "java",
        r"getWriter\(\)\.(?:print|println|write)\s*\(.*\+\s*(?P<var>\w+)",
        "getWriter().print",
    ),
    _rule(
        DESERIALIZE,
        "java",
        r"new\s+ObjectInputStream\s*\(|\.readObject\s*\(|XMLDecoder\s*\(",
        "ObjectInputStream",
    ),
    _rule(
        DESERIALIZE,
        _JS,
        r"\b(?:unserialize|deserialize|yaml\.load)\s*\(\s*(?P<var>[\w$.]+)",
        "deserialize",
    ),
    _rule(
        CODE,
        _JS,
        # eval or new Function given anything but one literal (a variable, a template, a sum)
        r"\b(?:eval|Function)\s*\(\s*(?!['\"][^'\"`]*['\"]\s*\)|\))(?P<var>[A-Za-z_$][\w$.]*)?|"
        r"\bvm\.run\w*\s*\(\s*(?P<var2>[A-Za-z_$][\w$.]*)",
        "eval",
    ),
    _rule(DESERIALIZE, "go", r"gob\.NewDecoder\s*\(|yaml\.Unmarshal\s*\(", "gob.NewDecoder"),
    _rule(
        DESERIALIZE,
        "python",
        r"\b(?:pickle\.loads?|marshal\.loads|yaml\.load|jsonpickle\.decode)\s*\(",
        "pickle.loads",
        unless=r"SafeLoader|safe_load",
    ),
    _rule(REGEX, _JS, r"new\s+RegExp\s*\(\s*(?P<var>[\w$.]+)", "new RegExp"),
    _rule(
        REGEX,
        "java",
        r"Pattern\.compile\s*\(\s*(?P<var>[A-Za-z_]\w*)|\.matches\s*\(\s*(?P<var2>[A-Za-z_]\w*)\s*\)",
        "Pattern.compile",
    ),
    _rule(
        REGEX,
        "go",
        r"regexp\.(?:MustCompile|Compile)\s*\(\s*(?P<var>[A-Za-z_][\w.]*)",
        "regexp.Compile",
    ),
    _rule(
        ERROR_DETAILS,
        _JS,
        # `{ error: 'invalid url' }` names a key, not the caught error.
        r"\bres\.(?:send|json|status\(\d+\)\.(?:send|json))\s*\(.*\b(?P<var>err(?:or)?)"
        r"(?:\.(?:message|stack))?\b(?!\s*:)",
        "res.send",
    ),
    _rule(
        ERROR_DETAILS, "go", r"http\.Error\s*\(\s*\w+\s*,\s*(?P<var>err)\.Error\(\)", "http.Error"
    ),
    _rule(
        ERROR_DETAILS,
        "java",
        r"(?:getWriter\(\)\.print\w*|ResponseEntity\.\w+\(\)\.body)\s*\(.*\b(?P<var>e|ex)\.(?:getMessage|toString)\(\)|printStackTrace\s*\(\s*\w+\.getWriter",
        "ResponseEntity.body",
    ),
    _rule(
        SECRET_COMPARE,
        _JS,
        r"(?P<var>\b[\w$.]*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac|[Aa]pi[Kk]ey)[\w$.]*)\s*[!=]==?\s*[\w$.]+(?!['\"])",
        "===",
    ),
    _rule(
        SECRET_COMPARE,
        "java",
        r"(?P<var>\b\w*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac)\w*)\.equals\s*\(",
        "equals",
    ),
    _rule(
        SECRET_COMPARE,
        "go",
        r"(?P<var>\b\w*(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Ss]ignature|[Hh]mac|MAC)\w*)\s*[!=]=\s*\w+|bytes\.Equal\s*\(\s*(?P<var2>\w*(?:[Tt]oken|[Ss]ecret|[Ss]ig|[Mm]ac)\w*)",
        "==",
    ),
    _rule(
        COOKIE_FLAGS,
        _JS,
        r"\.cookie\s*\(",
        "res.cookie",
        unless=r"httpOnly\s*:\s*true.*secure\s*:\s*true|secure\s*:\s*true.*httpOnly\s*:\s*true",
        extra="Secure/HttpOnly/SameSite flags",
    ),
    _rule(COOKIE_FLAGS, "java", r"new\s+Cookie\s*\(", "new Cookie", extra="Secure/HttpOnly flags"),
    _rule(
        COOKIE_FLAGS,
        "go",
        r"http\.Cookie\s*\{",
        "http.Cookie",
        unless=r"HttpOnly:\s*true.*Secure:\s*true|Secure:\s*true.*HttpOnly:\s*true",
        extra="Secure/HttpOnly/SameSite flags",
    ),
    _rule(
        UPLOAD,
        _JS,
        r"\bmulter\s*\((?![^)]*limits)|upload\.(?:single|array|any)\s*\(|req\.files?\b",
        "multer",
    ),
    _rule(UPLOAD, "java", r"MultipartFile\s+(?P<var>\w+)", "MultipartFile"),
    _rule(UPLOAD, "go", r"\.FormFile\s*\(|ParseMultipartForm\s*\(", "FormFile"),
    _rule(
        PARSE,
        _JS,
        r"\b(?:parseInt|parseFloat|Number|JSON\.parse)\s*\(\s*(?P<var>[\w$.]+)",
        "parseInt",
    ),
    _rule(
        PARSE,
        "java",
        r"(?:Integer\.parseInt|Long\.parseLong|Double\.parseDouble|Integer\.valueOf)\s*\(\s*(?P<var>[\w.()]+)",
        "Integer.parseInt",
    ),
    _rule(
        PARSE,
        "go",
        r"strconv\.(?:Atoi|ParseInt|ParseUint|ParseFloat)\s*\(\s*(?P<var>[\w.()]+)[^)]*\)",
        "strconv.Atoi",
    ),
    _rule(TIMEOUT, "go", r"http\.(?:Get|Post|Head)\s*\(|&?http\.Client\s*\{\s*\}", "http.Get"),
    _rule(TIMEOUT, _JS, r"\b(?:fetch|axios\.\w+|got)\s*\(", "fetch", unless=r"signal|timeout"),
    _rule(
        TIMEOUT, "java", r"HttpClient\.newHttpClient\s*\(|openConnection\s*\(\s*\)", "HttpClient"
    ),
    _rule(
        TIMEOUT,
        "python",
        r"\brequests\.(?:get|post|put|patch|delete|head|request)\s*\(",
        "requests",
        unless=r"timeout\s*=",
    ),
    _rule(
        AUTHZ,
        _JS,
        r"\b(?:app|router)\.(?:get|post|put|patch|delete|all)\s*\(\s*['\"`](?P<var>[^'\"`]+)['\"`]\s*,\s*(?:async\s*)?\(?\s*(?:req|request)\b",
        "app.get",
    ),
    _rule(
        AUTHZ,
        "java",
        r"@(?:Get|Post|Put|Delete|Patch|Request)Mapping\b(?:\s*\(\s*(?:value\s*=\s*)?\"(?P<var>[^\"]*)\")?",
        "@GetMapping",
        unless=r"@PreAuthorize|@Secured|@RolesAllowed",
    ),
    _rule(
        AUTHZ,
        "go",
        r"(?:http\.HandleFunc|\.HandleFunc|\.(?:GET|POST|PUT|DELETE)|mux\.Handle)\s*\(\s*\"(?P<var>[^\"]+)\"",
        "http.HandleFunc",
        unless=r"[Aa]uth|[Ss]ession|RequireLogin",
    ),
    _rule(
        CRYPTO,
        _JS,
        r"createHash\s*\(\s*['\"](?:md5|sha1)['\"]|createCipheriv?\s*\(\s*['\"](?:des|rc4|aes-\d+-ecb|bf)",
        "crypto.createHash",
    ),
    _rule(
        CRYPTO,
        "java",
        r"MessageDigest\.getInstance\s*\(\s*\"(?:MD5|SHA-?1)\"|Cipher\.getInstance\s*\(\s*\"(?:DES|RC4|AES/ECB|AES\")",
        "MessageDigest.getInstance",
    ),
    _rule(
        CRYPTO,
        "java",
        r"KeyGenerator\.getInstance\s*\(\s*\"(?:DES|DESede|TripleDES|RC2|RC4|ARCFOUR|Blowfish)\"",
        "KeyGenerator.getInstance",
    ),
    # The algorithm is a variable (configuration, a parameter): which one runs is an assumption
    # the code does not show.
    _rule(
        CRYPTO,
        "java",
        r"\b(?P<var>(?:MessageDigest|Cipher|Mac|KeyGenerator|SecretKeyFactory|Signature))\."
        r"getInstance\s*\(\s*[a-z_]\w*\s*[,)]",
        "getInstance",
        sink_as_matched=True,
    ),
    _rule(CRYPTO, _JS, r"\bcreate(?:Hash|Hmac|Cipheriv)\s*\(\s*[a-z_$][\w$.]*\s*[,)]", "crypto"),
    _rule(CRYPTO, "go", r"\b(?:md5|sha1|des|rc4)\.(?:New|Sum|NewCipher)\w*\s*\(", "md5.New"),
    # the weak packages imported at all (gosec's blocklist), and TLS versions below 1.2
    _rule(
        CRYPTO,
        "go",
        r"^\s*(?:import\s+)?(?:\w+\s+)?\"(?P<var>crypto/(?:des|md5|rc4|sha1))\"",
        "import",
        sink_as_matched=True,
    ),
    _rule(CRYPTO, "go", r"\btls\.Version(?:SSL30|TLS10|TLS11)\b", "tls.Version"),
    _rule(
        CRYPTO,
        "java",
        r"\bextends\s+(?:java\.security\.)?MessageDigest\b",
        "a MessageDigest of its own",
    ),
    _rule(
        CRYPTO,
        _JS,
        r"\b\w*CryptoJS\.(?:DES|TripleDES|RC4|RC4Drop|Rabbit|MD5|SHA1)\b|"
        r"\b\w*(?:md5|Md5|MD5|sha1|Sha1|SHA1)\s*\((?!\s*\))",
        "CryptoJS",
        sink_as_matched=True,
    ),
    _rule(
        CRYPTO,
        "python",
        r"hashlib\.(?:md5|sha1)\s*\(|\b(?:DES|ARC4|Blowfish)\.new\s*\(|MODE_ECB",
        "hashlib.md5",
    ),
    _rule(
        TLS_VERIFY,
        _JS,
        r"rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED",
        "rejectUnauthorized",
    ),
    _rule(TLS_VERIFY, "go", r"InsecureSkipVerify\s*:\s*true", "tls.Config"),
    _rule(TLS_VERIFY, "go", r"\bssh\.InsecureIgnoreHostKey\s*\(", "ssh.InsecureIgnoreHostKey"),
    _rule(
        TLS_VERIFY,
        "java",
        r"TrustAllCerts|X509TrustManager\s*\(|NoopHostnameVerifier|ALLOW_ALL_HOSTNAME_VERIFIER|"
        # a trust manager or hostname check of its own, CXF's CN check off, SSL 2/3
        r"implements\s+(?:X509TrustManager|TrustManager|HostnameVerifier)\b|"
        r"checkServerTrusted\s*\([^)]*\)\s*(?:throws\s+[\w.]+\s*)?\{|"
        r"setDisableCNCheck\s*\(\s*true|SSLContext\.getInstance\s*\(\s*\"SSL(?:v[23])?\"",
        "TrustManager",
    ),
    _rule(
        TLS_VERIFY,
        "python",
        r"verify\s*=\s*False|CERT_NONE|_create_unverified_context",
        "verify=False",
    ),
    # Go SQL text built with fmt.Sprintf: the query is assembled, whatever its values are.
    _rule(
        SQL,
        "go",
        r"fmt\.Sprintf\s*\(\s*[\"`](?i:\s*(?:select|insert|update|delete|with)\b[^\"`]*%[sv])",
        "fmt.Sprintf",
    ),
    # Request data stored in the session (assignments: the outline sees calls only).
    _rule(
        TRUST_BOUNDARY,
        _JS,
        r"\breq\.session(?:\.[\w$]+|\[[^\]]+\])\s*=(?!=).*\b(?P<var>req\.(?:body|query|params|"
        r"headers|cookies)(?:\.[\w$]+)?)",
        "req.session",
    ),
    _rule(
        TRUST_BOUNDARY,
        "go",
        r"\b\w*[sS]ession(?:\.Values\[[^\]]+\]\s*=(?!=)|\.Set\s*\().*\b(?P<var>(?:r\.(?:FormValue|"
        r"PostFormValue|PathValue|URL\.Query\(\)\.Get|Header\.Get)|c\.(?:Query|PostForm|Param|"
        r"GetHeader|DefaultQuery))\([^)]*\))",
        "session.Values",
    ),
    # Parsers told to resolve external entities or load DTDs.
    _rule(
        XXE,
        "java",
        r"setFeature\s*\(\s*\"http://(?:xml\.org/sax/features/external-(?:general|parameter)-"
        r"entities|apache\.org/xml/features/nonvalidating/load-external-dtd)\"\s*,\s*true|"
        r"disallow-doctype-decl\"\s*,\s*false|setExpandEntityReferences\s*\(\s*true|"
        r"(?:IS_SUPPORTING_EXTERNAL_ENTITIES|SUPPORT_DTD)\s*,\s*(?:true|Boolean\.TRUE)",
        "setFeature",
    ),
    # A factory of a parser that resolves them unless told not to (not asked when the file
    # turns them off: flows.guarded).
    _rule(
        XXE,
        "java",
        r"\b(?P<var>DocumentBuilderFactory|SAXParserFactory|XMLInputFactory|TransformerFactory|"
        r"SchemaFactory|XMLReaderFactory)\.(?:newInstance|newFactory|newDefaultInstance|"
        r"createXMLReader)\s*\(|\bnew\s+(?P<var2>SAXReader|SAXBuilder)\s*\(",
        "newInstance",
        sink_as_matched=True,
    ),
    _rule(XXE, _JS, r"\bparseXml(?:String|Async)?\s*\(.*\bnoent\s*:\s*true", "libxmljs.parseXml"),
    _rule(
        XXE,
        "go",
        r"\bParseOption(?:NoEnt|DTDLoad|DTDAttr)\b|XML_PARSE_(?:NOENT|DTDLOAD)",
        "libxml2 parser",
    ),
    _rule(
        FILE_PERMISSIONS,
        _JS,
        r"(?:chmod\w*|writeFile\w*|mkdir\w*)\s*\(.*\b0o?(?P<var>[0-7]?[0-7][2367][2367])\b",
        "fs.chmod",
    ),
    _rule(
        FILE_PERMISSIONS,
        "go",
        r"(?:os\.(?:Chmod|WriteFile|MkdirAll|Mkdir|OpenFile)|ioutil\.WriteFile)\s*\(.*\b0(?P<var>[0-7][2367][2367]|[0-7][0-7][2367])\b",
        "os.WriteFile",
    ),
    _rule(
        FILE_PERMISSIONS,
        "java",
        r"PosixFilePermissions\.fromString\s*\(\s*\"(?P<var>[rwx-]{7}w[x-]|[rwx-]{4}w[rwx-]{4})\"|setWritable\s*\(\s*true\s*,\s*false\s*\)",
        "setPosixFilePermissions",
    ),
    _rule(
        FILE_PERMISSIONS,
        "python",
        r"os\.chmod\s*\(.*0o?7[0-7][2367]|os\.umask\s*\(\s*0\s*\)",
        "os.chmod",
    ),
    _rule(
        LOG_INPUT,
        _JS,
        r"\b(?:console\.(?:log|info|warn|error)|logger\.\w+)\s*\(.*\breq\.(?P<var>(?:body|query|params|headers|cookies)[\w.\[\]'\"]*)",
        "console.log",
    ),
    _rule(
        LOG_INPUT,
        "java",
        r"\b(?:log|logger|LOG|LOGGER)\.(?:info|debug|warn|error)\s*\(.*(?:request\.getParameter|getHeader)\s*\(\s*\"(?P<var>[^\"]*)\"",
        "logger.info",
    ),
    _rule(
        LOG_INPUT,
        "go",
        r"\blog\.(?:Printf|Println|Print)\s*\(.*\br\.(?P<var>(?:URL\.Query\(\)\.Get|FormValue|Header\.Get)\([^)]*\))",
        "log.Printf",
    ),
    _rule(
        LOG_INPUT,
        "python",
        r"\b(?:logger|logging|log)\.\w+\s*\(.*\brequest\.(?P<var>(?:GET|POST|args|form|json|headers|data)[\w.\[\]'\"]*)",
        "logger.info",
    ),
)


def line_hits(text: str, language: str, lines_to_read: Iterable[int]) -> list[Hit]:
    lines = text.splitlines()
    hits: list[Hit] = []
    for number in sorted(lines_to_read):
        if number < 1 or number > len(lines):
            continue
        line = lines[number - 1]
        if len(line) > 2000:
            continue  # minified or generated: no statement a reviewer could reason about
        kinds_here: set[str] = set()
        for rule in _LINE_RULES:
            if language not in rule.languages or rule.kind in kinds_here:
                continue  # one challenge per kind and line, whichever rule saw it first
            match = rule.pattern.search(line)
            if match is None or (rule.unless is not None and rule.unless.search(line)):
                continue
            groups = match.groupdict()
            variable = (groups.get("var") or groups.get("var2") or "").strip(" `\"'")
            while variable.endswith(")") and variable.count(")") > variable.count("("):
                variable = variable[:-1]
            subject = f"`{name_text(variable)}`" if variable else ""
            sink = rule.sink
            if rule.sink_as_matched:
                sink, subject = normalise_code(match.group(0).split("(", 1)[0]), ""
            extra = rule.extra or (
                f"`0{variable}`" if rule.kind == FILE_PERMISSIONS and variable else ""
            )
            if rule.kind == AUTHZ and variable and public_by_design(variable):
                continue  # signing in or out, or a liveness probe: public by design
            if rule.kind == AUTHZ:
                subject = (
                    f"`{name_text(variable)}`"
                    if variable
                    else f"`{name_text(normalise_code(line))}`"
                )
            kinds_here.add(rule.kind)
            hits.append(Hit(rule.kind, number, sink, subject, extra))
    return hits
