"""Dependencies a change adds or changes in a manifest: unpinned, typosquatted or known-vulnerable.

Reads requirements*.txt, pyproject.toml, package.json, go.mod and pom.xml. The scanner is pure:
the vulnerability data comes as a `VulnerabilityIndex` (`findings.engine.osv.vulndb`) that the
caller hands over through `set_vulnerability_index_provider` (the pipeline loads it from the
`Vulnerability` table, the scan command from an exported file); without one, only the unpinned
and typosquatting checks run.
Manifests come from the pull request: they are parsed, never executed, resolved or fetched.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
import tomllib
import xml.parsers.expat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from findings.engine.osv.vulndb import EMPTY_INDEX, VulnerabilityIndex, normalize_package_name
from findings.engine.scanners import (
    FileFailure,
    FindingData,
    Scanner,
    ScanOutcome,
    SourceFile,
    register,
)

logger = logging.getLogger(__name__)

BASE_VERSION = "1.0.0"
_MAX_CODE_CHARS = 500
_MAX_NAME_CHARS = 214  # npm's own limit; longer names are not package names
_MAX_SHOWN_CHARS = 120

# Manifest kinds, used as the scanner's languages (findings.engine.languages maps the file names).
REQUIREMENTS = "pip-requirements"
PYPROJECT = "pyproject"
PACKAGE_JSON = "npm-package"
GO_MOD = "go-module"
POM = "maven-pom"
_ECOSYSTEM = {
    REQUIREMENTS: "PyPI",
    PYPROJECT: "PyPI",
    PACKAGE_JSON: "npm",
    GO_MOD: "Go",
    POM: "Maven",
}
_REQUIREMENTS_NAME = re.compile(r"^requirements[A-Za-z0-9_.\-]{0,60}\.txt$")


def manifest_kind(path: str) -> str | None:
    """The kind of dependency manifest `path` names, by its file name alone, or None."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    if _REQUIREMENTS_NAME.match(name):
        return REQUIREMENTS
    return {
        "pyproject.toml": PYPROJECT,
        "package.json": PACKAGE_JSON,
        "go.mod": GO_MOD,
        "pom.xml": POM,
    }.get(name)


# --- the shipped lists of popular packages --------------------------------------------------------
# Typosquatting targets: the most downloaded packages per ecosystem (PyPI and npm download
# rankings, the most imported Go modules, the most used Maven artifacts). Names on these lists are
# never flagged themselves, so a legitimate near neighbour of a popular name belongs here too.

_POPULAR_PYPI = """
boto3 botocore urllib3 requests setuptools certifi idna charset-normalizer typing-extensions
python-dateutil packaging s3transfer aiobotocore six numpy pyyaml grpcio-status fsspec s3fs pip
cryptography pydantic attrs cffi pycparser importlib-metadata zipp protobuf jmespath rsa pyasn1
wheel platformdirs click pandas pydantic-core jinja2 markupsafe pytz tomli filelock colorama
virtualenv annotated-types pyjwt wrapt google-api-core pluggy pytest aiohttp multidict yarl
frozenlist aiosignal async-timeout googleapis-common-protos cachetools google-auth tzdata
psutil sqlalchemy greenlet pyarrow iniconfig exceptiongroup docutils awscli requests-oauthlib
oauthlib pyparsing grpcio h11 httpx httpcore anyio sniffio scipy decorator werkzeug flask
itsdangerous soupsieve beautifulsoup4 lxml tqdm pygments rich markdown-it-py mdurl openpyxl
et-xmlfile pillow tomlkit isodate distlib regex more-itertools mypy-extensions mypy coverage
pytest-cov black pathspec asn1crypto google-cloud-storage google-cloud-core google-resumable-media
google-crc32c proto-plus websocket-client requests-toolbelt msgpack jsonschema
jsonschema-specifications referencing rpds-py pyopenssl paramiko bcrypt pynacl psycopg2
psycopg2-binary psycopg redis celery kombu billiard vine amqp django djangorestframework
django-filter gunicorn uvicorn fastapi starlette sqlparse asgiref tenacity dill networkx sympy
mpmath matplotlib kiwisolver cycler fonttools contourpy scikit-learn joblib threadpoolctl
torch torchvision transformers tokenizers huggingface-hub safetensors tensorflow keras
opencv-python nltk gensim spacy xgboost lightgbm seaborn plotly dash streamlit bokeh pyzmq
tornado jupyter notebook ipython ipykernel jupyterlab traitlets nbformat nbconvert nbclient
jupyter-client jupyter-core prompt-toolkit wcwidth jedi parso pexpect ptyprocess pyflakes
pycodestyle flake8 pylint astroid isort mccabe autopep8 yapf ruff bandit semgrep pre-commit
identify nodeenv cfgv tox nox pytest-mock pytest-xdist pytest-asyncio pytest-django hypothesis
factory-boy faker freezegun responses requests-mock mock moto boto azure-core azure-storage-blob
azure-identity msal msal-extensions google-cloud-bigquery google-cloud-pubsub pymysql mysqlclient
pymongo motor elasticsearch sentry-sdk structlog loguru python-dotenv environs pyyaml-include
ruamel-yaml toml simplejson ujson orjson marshmallow cerberus voluptuous arrow pendulum babel
markdown mistune bleach html5lib webencodings cssselect pyquery scrapy selenium playwright
twisted gevent eventlet zope-interface pycryptodome pycryptodomex passlib argon2-cffi
python-jose authlib oauth2client httplib2 uritemplate google-api-python-client gspread
openai anthropic langchain tiktoken unidiff pygithub gitpython smmap gitdb sh pexpect
paho-mqtt pyserial pyusb docker kubernetes ansible ansible-core fabric invoke jsonpatch
jsonpointer deepdiff tabulate prettytable termcolor pyfiglet typer docopt pyinstaller cython
numba llvmlite shapely pyproj geopandas fiona rasterio xlrd xlwt xlsxwriter python-docx
reportlab pypdf pypdf2 pdfminer-six wand imageio scikit-image h5py tables netcdf4 xarray
dask distributed polars duckdb sqlmodel alembic mako peewee pony tortoise-orm asyncpg aiofiles
aioredis aiosqlite websockets python-multipart email-validator dnspython idna-ssl
jaraco-classes keyring secretstorage jeepney pywin32 pyasn1-modules pkginfo readme-renderer
twine build hatchling flit-core poetry poetry-core pdm setuptools-scm cachecontrol lockfile
pyaml jinja pytest-runner nose py tzlocal croniter schedule apscheduler python-slugify
text-unidecode unidecode chardet ftfy emoji phonenumbers validators django-cors-headers
django-environ django-extensions django-storages django-redis django-celery-beat whitenoise
channels daphne graphene strawberry-graphql ariadne grpcio-tools thrift avro fastavro
confluent-kafka kafka-python pika nats-py zmq pyzmq
"""

_POPULAR_NPM = """
lodash lodash-es react react-dom react-is react-router react-router-dom redux react-redux
chalk commander debug ms semver tslib axios express body-parser cookie-parser cors
morgan helmet dotenv uuid moment dayjs date-fns classnames prop-types typescript webpack
webpack-cli webpack-dev-server babel-loader @babel/core @babel/preset-env @babel/runtime
@babel/preset-react eslint prettier jest mocha chai sinon supertest nodemon ts-node
rxjs zone.js @angular/core @angular/common vue vuex vue-router nuxt next svelte
jquery underscore async bluebird q request request-promise node-fetch cross-fetch
isomorphic-fetch got superagent yargs minimist inquirer ora glob rimraf mkdirp fs-extra
graceful-fs chokidar colors cli-table minimatch micromatch fast-glob globby through2
readable-stream inherits safe-buffer string_decoder core-util-is isarray process-nextick-args
util-deprecate once wrappy inflight ws socket.io socket.io-client mongoose mongodb mysql
mysql2 pg pg-promise sequelize typeorm prisma @prisma/client knex redis ioredis
jsonwebtoken bcrypt bcryptjs passport passport-local passport-jwt express-session
connect-redis cookie qs querystring path-to-regexp serve-static send mime mime-types
accepts negotiator content-type content-disposition raw-body iconv-lite statuses http-errors
depd on-finished finalhandler vary etag fresh range-parser escape-html encodeurl
merge-descriptors methods parseurl proxy-addr forwarded ipaddr.js type-is media-typer
utils-merge cookie-signature array-flatten setprototypeof toidentifier unpipe destroy
ee-first handlebars ejs pug mustache nunjucks marked markdown-it highlight.js dompurify
sanitize-html xss validator joi yup zod ajv ajv-formats class-validator class-transformer
reflect-metadata @nestjs/core @nestjs/common fastify koa koa-router hapi @hapi/hapi
restify sharp jimp canvas puppeteer playwright cheerio jsdom xml2js fast-xml-parser
js-yaml yaml ini toml csv-parse papaparse xlsx exceljs pdfkit archiver adm-zip tar
unzipper jszip node-forge crypto-js tweetnacl elliptic bn.js hash.js sha.js md5 uuid-random
nanoid shortid cuid winston pino bunyan log4js morgan-body@ source-map source-map-support
esbuild rollup vite parcel terser uglify-js postcss autoprefixer tailwindcss sass less
styled-components @emotion/react @emotion/styled @mui/material antd bootstrap
@fortawesome/fontawesome-free font-awesome three d3 chart.js echarts leaflet mapbox-gl
immutable immer mobx zustand recoil swr @tanstack/react-query graphql apollo-server
@apollo/client graphql-tag aws-sdk @aws-sdk/client-s3 firebase firebase-admin stripe
twilio nodemailer @sendgrid/mail openai @types/node @types/react @types/express @types/jest
ts-jest @testing-library/react @testing-library/jest-dom cypress karma jasmine nyc
istanbul husky lint-staged concurrently cross-env npm-run-all dotenv-expand config
convict nconf rc deepmerge merge lodash.merge lodash.get lodash.set object-assign
core-js regenerator-runtime whatwg-fetch event-stream eventemitter3 events buffer
stream-browserify path-browserify url util assert punycode tough-cookie form-data
combined-stream delayed-stream asynckit follow-redirects http-proxy http-proxy-middleware
express-rate-limit express-validator multer busboy formidable compression serve-index
connect vhost csurf lusca hpp cookie-session jwt-decode jose oauth oauth2-server
openid-client electron react-native expo angular ember-source backbone knockout
"""

_POPULAR_GO = """
github.com/stretchr/testify github.com/sirupsen/logrus github.com/spf13/cobra
github.com/spf13/viper github.com/spf13/pflag github.com/gin-gonic/gin github.com/gorilla/mux
github.com/gorilla/websocket github.com/gorilla/sessions github.com/labstack/echo/v4
github.com/gofiber/fiber/v2 github.com/go-chi/chi/v5 github.com/julienschmidt/httprouter
github.com/golang/protobuf google.golang.org/protobuf google.golang.org/grpc
github.com/google/uuid github.com/google/go-cmp github.com/pkg/errors go.uber.org/zap
go.uber.org/atomic go.uber.org/multierr github.com/prometheus/client_golang
github.com/go-sql-driver/mysql github.com/lib/pq github.com/jackc/pgx/v5 github.com/jackc/pgx/v4
gorm.io/gorm gorm.io/driver/postgres gorm.io/driver/mysql github.com/jmoiron/sqlx
github.com/mattn/go-sqlite3 github.com/redis/go-redis/v9 github.com/go-redis/redis/v8
github.com/golang-jwt/jwt/v5 github.com/golang-jwt/jwt/v4 github.com/dgrijalva/jwt-go
golang.org/x/net golang.org/x/crypto golang.org/x/sys golang.org/x/text golang.org/x/oauth2
golang.org/x/sync golang.org/x/time golang.org/x/tools golang.org/x/mod golang.org/x/term
gopkg.in/yaml.v3 gopkg.in/yaml.v2 github.com/BurntSushi/toml github.com/pelletier/go-toml/v2
github.com/json-iterator/go github.com/tidwall/gjson github.com/mitchellh/mapstructure
github.com/hashicorp/go-multierror github.com/hashicorp/consul/api github.com/hashicorp/vault/api
github.com/aws/aws-sdk-go github.com/aws/aws-sdk-go-v2 cloud.google.com/go/storage
github.com/Azure/azure-sdk-for-go k8s.io/client-go k8s.io/apimachinery k8s.io/api
sigs.k8s.io/controller-runtime github.com/docker/docker github.com/containerd/containerd
github.com/opencontainers/runc github.com/urfave/cli/v2 github.com/fatih/color
github.com/mattn/go-isatty github.com/mattn/go-colorable github.com/rs/zerolog
github.com/rs/cors github.com/go-playground/validator/v10 github.com/go-kit/kit
github.com/grpc-ecosystem/grpc-gateway/v2 github.com/nats-io/nats.go
github.com/segmentio/kafka-go github.com/Shopify/sarama github.com/IBM/sarama
github.com/streadway/amqp github.com/rabbitmq/amqp091-go go.mongodb.org/mongo-driver
github.com/elastic/go-elasticsearch/v8 github.com/olivere/elastic/v7 github.com/valyala/fasthttp
github.com/gomodule/redigo github.com/robfig/cron/v3 github.com/onsi/ginkgo/v2
github.com/onsi/gomega github.com/golang/mock go.uber.org/mock github.com/DATA-DOG/go-sqlmock
github.com/cenkalti/backoff/v4 github.com/google/go-github/v60 github.com/shopspring/decimal
github.com/davecgh/go-spew github.com/pmezard/go-difflib github.com/joho/godotenv
github.com/kelseyhightower/envconfig github.com/caarlos0/env/v10 go.opentelemetry.io/otel
github.com/hashicorp/golang-lru github.com/patrickmn/go-cache github.com/dgraph-io/badger/v4
go.etcd.io/etcd/client/v3 go.etcd.io/bbolt github.com/klauspost/compress
github.com/minio/minio-go/v7 github.com/gorilla/csrf github.com/microcosm-cc/bluemonday
"""

_POPULAR_MAVEN = """
org.springframework.boot:spring-boot-starter-web
org.springframework.boot:spring-boot-starter
org.springframework.boot:spring-boot-starter-data-jpa
org.springframework.boot:spring-boot-starter-test
org.springframework.boot:spring-boot-starter-security
org.springframework.boot:spring-boot-starter-actuator
org.springframework:spring-core org.springframework:spring-context org.springframework:spring-web
org.springframework:spring-webmvc org.springframework:spring-beans org.springframework:spring-jdbc
org.springframework.security:spring-security-core org.springframework.security:spring-security-web
com.fasterxml.jackson.core:jackson-databind com.fasterxml.jackson.core:jackson-core
com.fasterxml.jackson.core:jackson-annotations
com.fasterxml.jackson.dataformat:jackson-dataformat-yaml
com.google.guava:guava com.google.code.gson:gson org.apache.commons:commons-lang3
org.apache.commons:commons-text org.apache.commons:commons-collections4
commons-collections:commons-collections commons-io:commons-io commons-codec:commons-codec
commons-lang:commons-lang commons-logging:commons-logging commons-fileupload:commons-fileupload
commons-beanutils:commons-beanutils org.apache.httpcomponents:httpclient
org.apache.httpcomponents:httpcore org.apache.httpcomponents.client5:httpclient5
com.squareup.okhttp3:okhttp com.squareup.retrofit2:retrofit org.slf4j:slf4j-api
org.slf4j:slf4j-simple ch.qos.logback:logback-classic ch.qos.logback:logback-core
org.apache.logging.log4j:log4j-core org.apache.logging.log4j:log4j-api log4j:log4j
junit:junit org.junit.jupiter:junit-jupiter org.junit.jupiter:junit-jupiter-api
org.junit.jupiter:junit-jupiter-engine org.mockito:mockito-core org.mockito:mockito-junit-jupiter
org.assertj:assertj-core org.hamcrest:hamcrest org.testng:testng io.rest-assured:rest-assured
org.projectlombok:lombok org.hibernate:hibernate-core org.hibernate.orm:hibernate-core
org.hibernate.validator:hibernate-validator jakarta.persistence:jakarta.persistence-api
javax.servlet:javax.servlet-api jakarta.servlet:jakarta.servlet-api
org.postgresql:postgresql mysql:mysql-connector-java com.mysql:mysql-connector-j
com.h2database:h2 org.xerial:sqlite-jdbc com.zaxxer:HikariCP org.mybatis:mybatis
org.flywaydb:flyway-core org.liquibase:liquibase-core org.yaml:snakeyaml
org.apache.kafka:kafka-clients io.netty:netty-all io.netty:netty-handler
io.projectreactor:reactor-core io.reactivex.rxjava3:rxjava org.apache.tomcat.embed:tomcat-embed-core
org.eclipse.jetty:jetty-server io.undertow:undertow-core io.micrometer:micrometer-core
io.jsonwebtoken:jjwt com.auth0:java-jwt com.nimbusds:nimbus-jose-jwt org.bouncycastle:bcprov-jdk18on
org.apache.poi:poi org.apache.poi:poi-ooxml com.itextpdf:itextpdf org.jsoup:jsoup
org.freemarker:freemarker org.thymeleaf:thymeleaf org.apache.velocity:velocity-engine-core
com.amazonaws:aws-java-sdk-s3 software.amazon.awssdk:s3 com.google.cloud:google-cloud-storage
io.grpc:grpc-netty io.grpc:grpc-stub com.google.protobuf:protobuf-java org.apache.avro:avro
org.apache.thrift:libthrift redis.clients:jedis io.lettuce:lettuce-core
org.mongodb:mongodb-driver-sync org.elasticsearch.client:elasticsearch-rest-high-level-client
org.apache.zookeeper:zookeeper org.apache.curator:curator-framework org.quartz-scheduler:quartz
com.github.ben-manes.caffeine:caffeine net.sf.ehcache:ehcache org.ehcache:ehcache
org.apache.struts:struts2-core org.apache.shiro:shiro-core com.thoughtworks.xstream:xstream
org.dom4j:dom4j xerces:xercesImpl org.apache.commons:commons-compress org.apache.tika:tika-core
"""

_MIN_DISTANCE_ONE_CHARS = 5


def _popular(ecosystem: str, text: str) -> frozenset[str]:
    return frozenset(normalize_package_name(ecosystem, name) for name in text.split())


POPULAR_PACKAGES: dict[str, frozenset[str]] = {
    "PyPI": _popular("PyPI", _POPULAR_PYPI),
    "npm": _popular("npm", _POPULAR_NPM),
    "Go": _popular("Go", _POPULAR_GO),
    "Maven": _popular("Maven", _POPULAR_MAVEN),
}


def _within_one_edit(left: str, right: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 (insert, delete, substitute or swap neighbours)."""
    if left == right or abs(len(left) - len(right)) > 1:
        return False
    if len(left) == len(right):
        differing = [index for index, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        if len(differing) == 1:
            return True
        if len(differing) == 2:
            first, second = differing
            return (
                second == first + 1
                and left[first] == right[second]
                and left[second] == right[first]
            )
        return False
    shorter, longer = (left, right) if len(left) < len(right) else (right, left)
    for index in range(len(longer)):
        if longer[:index] + longer[index + 1 :] == shorter:
            return True
    return False


def _squashed(name: str) -> str:
    """The name without separators and with doubled letters collapsed."""
    plain = re.sub(r"[-_.]", "", name)
    return re.sub(r"(.)\1+", r"\1", plain)


_GO_MAJOR = re.compile(r"/v\d+$")


def _comparable(ecosystem: str, name: str) -> str:
    # Go's /v2, /v3 ... are major versions of one module, not look-alike names.
    return _GO_MAJOR.sub("", name) if ecosystem == "Go" else name


_COMPARABLE_POPULAR: dict[str, tuple[tuple[str, str, str], ...]] = {
    ecosystem: tuple(
        sorted(
            (name, _comparable(ecosystem, name), _squashed(_comparable(ecosystem, name)))
            for name in names
        )
    )
    for ecosystem, names in POPULAR_PACKAGES.items()
}
_PREFIXES = {"PyPI": ("python-",)}


def typosquat_target(ecosystem: str, name: str) -> str | None:
    """The popular package `name` imitates, or None (a popular name itself never imitates)."""
    popular = POPULAR_PACKAGES.get(ecosystem, frozenset())
    candidate = normalize_package_name(ecosystem, name)
    if not candidate or candidate in popular or len(candidate) > _MAX_NAME_CHARS:
        return None
    for prefix in _PREFIXES.get(ecosystem, ()):
        if candidate.startswith(prefix) and candidate[len(prefix) :] in popular:
            return candidate[len(prefix) :]
    comparable = _comparable(ecosystem, candidate)
    entries = _COMPARABLE_POPULAR.get(ecosystem, ())
    if any(comparable == target_comparable for _, target_comparable, _ in entries):
        return None  # another major version of a popular module
    squashed = _squashed(comparable)
    for target, target_comparable, target_squashed in entries:
        if len(target_comparable) >= _MIN_DISTANCE_ONE_CHARS and _within_one_edit(
            comparable, target_comparable
        ):
            return target
        if squashed == target_squashed:
            return target
    return None


# --- the vulnerability index the caller hands over -----------------------------------------------

_index_provider: Callable[[], VulnerabilityIndex] | None = None


def set_vulnerability_index_provider(provider: Callable[[], VulnerabilityIndex] | None) -> None:
    """Tell the scanner where advisories come from; called by the pipeline and the scan command."""
    global _index_provider
    _index_provider = provider


@contextmanager
def vulnerability_index_in_use(index: VulnerabilityIndex) -> Iterator[None]:
    """Use `index` for the scanners made inside the block, then restore the previous provider."""
    previous = _index_provider
    set_vulnerability_index_provider(lambda: index)
    try:
        yield
    finally:
        set_vulnerability_index_provider(previous)


# --- manifests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dependency:
    ecosystem: str
    name: str
    spec: str  # the version as written ("" when none)
    pinned_version: str | None  # the exact version when the spec pins one
    line: int
    end_line: int
    loose_reason: str | None  # why the spec is not a pin, or None when pinned
    # A URL or "anything goes" can install code nobody reviewed; a range only drifts.
    loose_severity: str = "low"


class ManifestError(ValueError):
    """A manifest that cannot be parsed; the message says why."""


_PEP508 = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?)\s*"
    r"(?:\[[^\]]{0,200}\])?\s*(?P<rest>.*)$"
)
_EXACT_PEP440 = re.compile(r"^===?\s*(?P<version>[A-Za-z0-9_.!+\-]+)$")


def _python_spec(rest: str) -> tuple[str, str | None, str | None, str]:
    """(spec, pinned version, loose reason, severity) for what follows a requirement's name."""
    spec = rest.split(";", 1)[0].strip()
    if spec.startswith("@"):
        url = spec[1:].strip()
        return url, None, "installed from a URL, not a pinned release", "medium"
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1].strip()
    if not spec:
        return "", None, "no version given: any release may be installed", "medium"
    match = _EXACT_PEP440.match(spec)
    if match and "*" not in spec:
        return spec, match.group("version"), None, "low"
    return spec, None, f"version range {_shown(spec)} instead of an exact pin", "low"


def _shown(value: str) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= _MAX_SHOWN_CHARS else value[: _MAX_SHOWN_CHARS - 1] + "…"


def _parse_requirement(text: str, line: int, ecosystem: str = "PyPI") -> Dependency | None:
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    lowered = text.lower()
    if lowered.startswith(
        ("-e ", "--editable", "git+", "hg+", "svn+", "bzr+", "http://", "https://")
    ):
        return Dependency(
            ecosystem=ecosystem,
            name=_shown(text.split("#egg=", 1)[-1] if "#egg=" in text else text),
            spec=_shown(text),
            pinned_version=None,
            line=line,
            end_line=line,
            loose_reason="installed from a VCS or URL, not a pinned release",
            loose_severity="medium",
        )
    if text.startswith("-"):
        return None  # -r other.txt, --index-url, --hash lines: not a dependency
    match = _PEP508.match(text)
    if match is None:
        return None
    spec, pinned, reason, severity = _python_spec(match.group("rest"))
    return Dependency(
        ecosystem=ecosystem,
        name=match.group("name"),
        spec=_shown(spec),
        pinned_version=pinned,
        line=line,
        end_line=line,
        loose_reason=reason,
        loose_severity=severity,
    )


def _parse_requirements_txt(text: str) -> list[Dependency]:
    dependencies: list[Dependency] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        # " #" starts a comment; a "#" inside a URL (#egg=) does not.
        content = re.split(r"\s#", raw.rstrip("\r"), maxsplit=1)[0]
        content = content.rstrip("\\").strip()
        dependency = _parse_requirement(content, number)
        if dependency is not None:
            dependencies.append(dependency)
    return dependencies


def _line_of(lines: list[str], needle: str, start: int = 0) -> int | None:
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index + 1
    return None


def _section_start(lines: list[str], header: str) -> int:
    """Index of the line after `[header]` (0 when absent: search the whole file)."""
    wanted = f"[{header}]"
    for index, line in enumerate(lines):
        if line.split("#", 1)[0].strip().replace(" ", "") == wanted:
            return index + 1
    return 0


def _parse_pyproject(text: str) -> list[Dependency]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"pyproject.toml is not valid TOML: {exc}") from None
    lines = text.split("\n")
    dependencies: list[Dependency] = []

    def pep508(items: object, header: str) -> None:
        if not isinstance(items, list):
            return
        start = _section_start(lines, header)
        for item in items:
            if not isinstance(item, str):
                continue
            line = _line_of(lines, f'"{item}"', start) or _line_of(lines, f"'{item}'", start) or 1
            dependency = _parse_requirement(item, line)
            if dependency is not None:
                dependencies.append(dependency)

    project = data.get("project")
    if isinstance(project, dict):
        pep508(project.get("dependencies"), "project")
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                pep508(group, "project.optional-dependencies")
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            pep508(group, "dependency-groups")

    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        tables = [("tool.poetry.dependencies", poetry.get("dependencies"))]
        tables.append(("tool.poetry.dev-dependencies", poetry.get("dev-dependencies")))
        for name, group in (poetry.get("group") or {}).items():
            if isinstance(group, dict):
                tables.append((f"tool.poetry.group.{name}.dependencies", group.get("dependencies")))
        for header, table in tables:
            if isinstance(table, dict):
                dependencies.extend(_poetry_table(lines, header, table))
    return dependencies


_POETRY_EXACT = re.compile(r"^(?:==?\s*)?(?P<version>\d[A-Za-z0-9_.!+\-]*)$")


def _poetry_table(lines: list[str], header: str, table: dict[str, Any]) -> list[Dependency]:
    start = _section_start(lines, header)
    found: list[Dependency] = []
    for name, value in table.items():
        if not isinstance(name, str) or name.lower() == "python":
            continue
        line = _poetry_line(lines, name, start)
        if isinstance(value, dict):
            if any(key in value for key in ("git", "url", "path")):
                spec = str(value.get("git") or value.get("url") or value.get("path"))
                reason = "installed from a VCS, URL or path, not a pinned release"
                found.append(
                    Dependency("PyPI", name, _shown(spec), None, line, line, reason, "medium")
                )
                continue
            value = value.get("version", "")
        spec = str(value).strip() if isinstance(value, str) else ""
        match = _POETRY_EXACT.match(spec)
        if match:
            found.append(Dependency("PyPI", name, spec, match.group("version"), line, line, None))
        else:
            if spec in ("", "*"):
                reason, severity = "no version given: any release may be installed", "medium"
            else:
                reason, severity = f"version range {_shown(spec)} instead of an exact pin", "low"
            found.append(Dependency("PyPI", name, _shown(spec), None, line, line, reason, severity))
    return found


def _poetry_line(lines: list[str], name: str, start: int) -> int:
    for index in range(start, len(lines)):
        stripped = lines[index].lstrip()
        for candidate in (name, f'"{name}"', f"'{name}'"):
            if stripped.startswith(candidate) and stripped[len(candidate) :].lstrip().startswith(
                "="
            ):
                return index + 1
    return 1


_NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
_NPM_EXACT = re.compile(
    r"^[=v]?(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$"
)


def _npm_reason(spec: str) -> tuple[str | None, str]:
    if _NPM_EXACT.match(spec):
        return None, "low"
    if spec in ("", "*", "latest", "x", "next"):
        return f"version {_shown(spec) or 'missing'}: any release may be installed", "medium"
    if re.match(r"^(git\+|git:|github:|https?:|file:|link:)", spec) or re.match(
        r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(#.*)?$", spec
    ):
        return "installed from a repository or URL, not a pinned release", "medium"
    return f"version range {_shown(spec)} instead of an exact pin", "low"


def _parse_package_json(text: str) -> list[Dependency]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"package.json is not valid JSON: {exc}") from None
    except RecursionError:
        raise ManifestError("package.json is nested too deeply") from None
    if not isinstance(data, dict):
        raise ManifestError("package.json is not a JSON object")
    lines = text.split("\n")
    dependencies: list[Dependency] = []
    for section in _NPM_SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        start = (_line_of(lines, f'"{section}"') or 1) - 1
        for name, spec in table.items():
            if not isinstance(name, str) or len(name) > _MAX_NAME_CHARS:
                continue
            spec = spec.strip() if isinstance(spec, str) else ""
            line = _line_of(lines, json.dumps(name), start) or 1
            match = _NPM_EXACT.match(spec)
            reason, severity = _npm_reason(spec)
            dependencies.append(
                Dependency(
                    ecosystem="npm",
                    name=name,
                    spec=_shown(spec),
                    pinned_version=match.group("version") if match else None,
                    line=line,
                    end_line=line,
                    loose_reason=reason,
                    loose_severity=severity,
                )
            )
    return dependencies


_GO_REQUIRE = re.compile(r"^(?:require\s+)?(?P<module>[^\s()]+)\s+(?P<version>v[^\s]+)$")


def _parse_go_mod(text: str) -> list[Dependency]:
    dependencies: list[Dependency] = []
    in_block = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if in_block:
            if line.startswith(")"):
                in_block = False
                continue
            match = _GO_REQUIRE.match(line)
        elif line.startswith("require"):
            if line.replace(" ", "") == "require(":
                in_block = True
                continue
            match = _GO_REQUIRE.match(line)
        else:
            continue
        if match is None:
            continue
        module, version = match.group("module"), match.group("version")
        # Go resolves one exact version per module (minimal version selection): always a pin.
        dependencies.append(Dependency("Go", module, version, version, number, number, None))
    return dependencies


class _PomReader:
    """Reads a pom.xml's dependencies with expat, keeping line numbers; no DTDs, no entities."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.text: list[str] = []
        self.properties: dict[str, str] = {}
        self.current: dict[str, object] | None = None
        self.found: list[dict[str, object]] = []
        self.has_parent = False
        self.managed_keys: set[str] = set()

    def read(self, text: str) -> None:
        parser = xml.parsers.expat.ParserCreate()
        parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def refuse(*_args: object) -> Any:
            raise ManifestError("pom.xml declares a DTD or entities, which ReviewBench refuses")

        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        parser.ExternalEntityRefHandler = refuse

        def start(name: str, _attrs: dict[str, str]) -> None:
            local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
            self.stack.append(local)
            self.text = []
            if local == "parent" and len(self.stack) == 2:
                self.has_parent = True
            if local == "dependency" and len(self.stack) >= 2 and self.stack[-2] == "dependencies":
                self.current = {
                    "line": parser.CurrentLineNumber,
                    "managed": "dependencyManagement" in self.stack,
                }

        def end(name: str) -> None:
            local = self.stack.pop() if self.stack else ""
            value = "".join(self.text).strip()
            self.text = []
            if self.current is not None:
                if local == "dependency":
                    self.current["end_line"] = parser.CurrentLineNumber
                    self.found.append(self.current)
                    self.current = None
                elif (
                    local in ("groupId", "artifactId", "version") and self.stack[-1] == "dependency"
                ):
                    self.current[local] = value
                    self.current[f"{local}_line"] = parser.CurrentLineNumber
            elif len(self.stack) >= 1 and self.stack[-1] == "properties":
                self.properties[local] = value

        def data(chunk: str) -> None:
            self.text.append(chunk)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        try:
            parser.Parse(text, True)
        except xml.parsers.expat.ExpatError as exc:
            raise ManifestError(f"pom.xml is not well-formed XML: {exc}") from None


_MAVEN_PROPERTY = re.compile(r"\$\{([A-Za-z0-9_.\-]{1,200})\}")
_MAVEN_EXACT = re.compile(r"^[0-9][A-Za-z0-9_.\-]*$")


def _resolve_property(value: str, properties: dict[str, str]) -> str:
    for _ in range(5):  # properties may refer to properties; never loop forever
        resolved = _MAVEN_PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
        if resolved == value:
            break
        value = resolved
    return value


def _parse_pom(text: str) -> list[Dependency]:
    reader = _PomReader()
    reader.read(text)
    managed = {
        f"{item.get('groupId', '')}:{item.get('artifactId', '')}"
        for item in reader.found
        if item.get("managed")
    }
    dependencies: list[Dependency] = []
    for item in reader.found:
        group, artifact = str(item.get("groupId", "")), str(item.get("artifactId", ""))
        if not artifact:
            continue
        name = f"{group}:{artifact}"
        written = str(item.get("version", ""))
        version = _resolve_property(written, reader.properties)
        line = int(str(item["line"]))
        end_line = max(int(str(item.get("end_line", line))), line)
        severity = "low"
        if not written:
            if name in managed or reader.has_parent:
                continue  # the version is set in dependencyManagement or the parent POM
            reason = "no version given"
            pinned = None
            severity = "medium"
        elif _MAVEN_PROPERTY.search(version):
            reason = f"version {_shown(written)} refers to a property this POM does not define"
            pinned = None
        elif version.upper() in ("LATEST", "RELEASE") or version[:1] in "[(":
            reason = f"version {_shown(version)} instead of an exact pin"
            pinned = None
        elif version.endswith("-SNAPSHOT"):
            reason = f"snapshot version {_shown(version)} changes without notice"
            pinned = None
        elif _MAVEN_EXACT.match(version):
            reason, pinned = None, version
        else:
            reason, pinned = f"version {_shown(version)} instead of an exact pin", None
        dependencies.append(
            Dependency(
                "Maven", name, _shown(version or written), pinned, line, end_line, reason, severity
            )
        )
    return dependencies


_PARSERS: dict[str, Callable[[str], list[Dependency]]] = {
    REQUIREMENTS: _parse_requirements_txt,
    PYPROJECT: _parse_pyproject,
    PACKAGE_JSON: _parse_package_json,
    GO_MOD: _parse_go_mod,
    POM: _parse_pom,
}


def parse_manifest(path: str, text: str) -> list[Dependency]:
    """The dependencies a manifest declares, with their lines; raises ManifestError."""
    kind = manifest_kind(path)
    if kind is None:
        return []
    return _PARSERS[kind](text)


# --- the scanner ---------------------------------------------------------------------------------

_GUIDANCE_PIN = (
    "Pin an exact, reviewed version (== in Python, an exact version in package.json or pom.xml) "
    "and update it deliberately, ideally with a lock file carrying hashes."
)
_GUIDANCE_TYPO = (
    "Check the package name letter by letter against the project you meant; typosquatted "
    "packages run their install scripts with your privileges. Use the real name."
)
_GUIDANCE_VULN = "Upgrade to a fixed version (or later) and check the advisory for workarounds."


@register
class DependencyScanner(Scanner):
    """Unpinned, typosquatted and known-vulnerable dependencies in package manifests."""

    id = "dependencies"
    version = BASE_VERSION
    languages = frozenset(_ECOSYSTEM)

    def __init__(self, index: VulnerabilityIndex | None = None) -> None:
        if index is None:
            index = _index_provider() if _index_provider is not None else EMPTY_INDEX
        self.index = index
        # The advisories are part of the result: cached results from another database state
        # must not be reused, so the version carries the index's digest.
        if index.digest:
            self.version = f"{BASE_VERSION}+db.{index.digest[:12]}"  # type: ignore[misc]

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Parse each manifest and report its risky dependencies."""
        findings: list[FindingData] = []
        failures: list[FileFailure] = []
        for source in files:
            try:
                dependencies = parse_manifest(source.path, source.text)
            except ManifestError as exc:
                failures.append(FileFailure(path=source.path, scanner_id=self.id, reason=str(exc)))
                continue
            lines = source.text.split("\n")
            for dependency in dependencies:
                findings.extend(self._findings(source, lines, dependency))
        findings.sort(key=lambda f: (f.path, f.line, f.rule_id))
        return ScanOutcome(findings=tuple(findings), failures=tuple(failures))

    def _finding(
        self, source: SourceFile, lines: list[str], dependency: Dependency, **fields: Any
    ) -> FindingData:
        code = (
            lines[dependency.line - 1].rstrip("\r").strip() if dependency.line <= len(lines) else ""
        )
        return FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            path=source.path,
            line=dependency.line,
            end_line=dependency.end_line,
            code=code[:_MAX_CODE_CHARS],
            **fields,
        )

    def _findings(
        self, source: SourceFile, lines: list[str], dependency: Dependency
    ) -> list[FindingData]:
        found: list[FindingData] = []
        name = _shown(dependency.name)
        ecosystem = dependency.ecosystem
        target = typosquat_target(ecosystem, dependency.name)
        if target is not None:
            found.append(
                self._finding(
                    source,
                    lines,
                    dependency,
                    rule_id="dependencies.typosquatting",
                    cwe=1357,
                    severity="high",
                    confidence="medium",
                    title="Dependency name imitates a popular package",
                    message=f"{ecosystem} package `{name}` differs only slightly from the "
                    f"popular `{target}`: a likely typo or a typosquatted package.",
                    guidance=_GUIDANCE_TYPO,
                )
            )
        if dependency.loose_reason is not None:
            found.append(
                self._finding(
                    source,
                    lines,
                    dependency,
                    rule_id="dependencies.unpinned",
                    cwe=1104,
                    severity=dependency.loose_severity,
                    confidence="high",
                    title="Dependency version not pinned",
                    message=f"{ecosystem} package `{name}`: {dependency.loose_reason}.",
                    guidance=_GUIDANCE_PIN,
                )
            )
        if dependency.pinned_version is not None:
            for advisory in self.index.matches(
                ecosystem, dependency.name, dependency.pinned_version
            ):
                fixed = advisory.fixed_after(dependency.pinned_version)
                fix_text = f"fixed in {fixed}" if fixed else "no fixed version is known"
                summary = f": {_shown(advisory.summary)}" if advisory.summary else ""
                found.append(
                    self._finding(
                        source,
                        lines,
                        dependency,
                        rule_id="dependencies.vulnerable",
                        cwe=advisory.cwe or 1395,
                        severity=advisory.severity,
                        confidence="high",
                        title=f"Vulnerable dependency ({advisory.id})",
                        message=f"{ecosystem} package `{name}` {_shown(dependency.pinned_version)} "
                        f"is affected by {advisory.id}{summary} ({fix_text}).",
                        guidance=f"{_GUIDANCE_VULN} Upgrade to {fixed} or later."
                        if fixed
                        else _GUIDANCE_VULN,
                    )
                )
        return found
