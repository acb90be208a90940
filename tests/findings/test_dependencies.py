"""The dependency scanner: unpinned, typosquatted and vulnerable dependencies per manifest type."""

from __future__ import annotations

from pathlib import Path

import pytest

from findings.engine.analysis import analyze_snapshot
from findings.engine.languages import language_for_path
from findings.engine.osv.vulndb import VulnerabilityIndex, parse_osv_bytes
from findings.engine.scanners import SourceFile
from findings.engine.scanners.dependencies import (
    DependencyScanner,
    manifest_kind,
    typosquat_target,
    vulnerability_index_in_use,
)

from .conftest import file_change, snapshot

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "osv" / "advisories.json"

# The pipeline hands a manifest to this scanner only once findings.engine.languages names manifests.
needs_manifest_languages = pytest.mark.skipif(
    language_for_path("requirements.txt") is None,
    reason="findings.engine.languages does not map manifest file names yet (see the scan report)",
)


@pytest.fixture
def index() -> VulnerabilityIndex:
    return VulnerabilityIndex.from_advisories(parse_osv_bytes(FIXTURE.read_bytes()))


def _scan(path: str, text: str, index: VulnerabilityIndex | None = None):
    scanner = DependencyScanner(index)
    source = SourceFile(path=path, language=manifest_kind(path), text=text, added_lines=frozenset())
    return scanner.scan([source])


def _summary(outcome):
    return [(f.line, f.rule_id, f.severity, f.cwe) for f in outcome.findings]


def test_requirements_txt(index):
    text = (
        "requests==2.30.0\n"
        "reqeusts==2.31.0\n"
        "flask>=2.0\n"
        "django\n"
        "PyYAML==5.4  # fixed release\n"
        "git+https://github.com/octo/tool.git#egg=tool\n"
        "-r base.txt\n"
        "numpy==1.26.4\n"
    )

    outcome = _scan("requirements-dev.txt", text, index)

    assert _summary(outcome) == [
        (1, "dependencies.vulnerable", "medium", 200),
        (2, "dependencies.typosquatting", "high", 1357),
        (3, "dependencies.unpinned", "low", 1104),
        (4, "dependencies.unpinned", "medium", 1104),
        (6, "dependencies.unpinned", "medium", 1104),
    ]
    assert outcome.findings[0].message == (
        "PyPI package `requests` 2.30.0 is affected by GHSA-j8r2-6x86-q33q: Unintended leak of "
        "Proxy-Authorization header in requests (fixed in 2.31.0)."
    )
    assert outcome.findings[1].message == (
        "PyPI package `reqeusts` differs only slightly from the popular `requests`: a likely "
        "typo or a typosquatted package."
    )
    assert outcome.findings[2].message == (
        "PyPI package `flask`: version range >=2.0 instead of an exact pin."
    )
    assert outcome.findings[0].code == "requests==2.30.0"


def test_pyproject_pep621_and_poetry(index):
    text = (
        "[project]\n"
        'name = "app"\n'
        "dependencies = [\n"
        '  "djnago>=4.2",\n'
        '  "requests==2.31.0",\n'
        "]\n"
        "[project.optional-dependencies]\n"
        'dev = ["pytest"]\n'
        "[tool.poetry.dependencies]\n"
        'python = "^3.11"\n'
        'pyyaml = "5.3.1"\n'
        'rich = "^13"\n'
    )

    outcome = _scan("pyproject.toml", text, index)

    assert _summary(outcome) == [
        (4, "dependencies.typosquatting", "high", 1357),
        (4, "dependencies.unpinned", "low", 1104),
        (8, "dependencies.unpinned", "medium", 1104),
        (11, "dependencies.vulnerable", "critical", 20),
        (12, "dependencies.unpinned", "low", 1104),
    ]
    assert outcome.findings[3].message == (
        "PyPI package `pyyaml` 5.3.1 is affected by GHSA-8q59-q68h-6hv4: Improper Input "
        "Validation in PyYAML (fixed in 5.4)."
    )


def test_package_json(index):
    text = (
        "{\n"
        '  "name": "app",\n'
        '  "dependencies": {\n'
        '    "lodash": "4.17.20",\n'
        '    "lodahs": "4.17.21",\n'
        '    "express": "4.18.2"\n'
        "  },\n"
        '  "devDependencies": {\n'
        '    "jest": "*",\n'
        '    "eslint": "^8.0.0"\n'
        "  }\n"
        "}\n"
    )

    outcome = _scan("web/package.json", text, index)

    assert _summary(outcome) == [
        (4, "dependencies.vulnerable", "high", 77),
        (5, "dependencies.typosquatting", "high", 1357),
        (9, "dependencies.unpinned", "medium", 1104),
        (10, "dependencies.unpinned", "low", 1104),
    ]


def test_go_mod(index):
    text = (
        "module example.com/app\n"
        "\n"
        "go 1.21\n"
        "\n"
        "require golang.org/x/net v0.16.0\n"
        "\n"
        "require (\n"
        "\tgithub.com/gin-gonic/gin v1.9.1 // indirect\n"
        "\tgithub.com/labstack/echo/v5 v5.0.0\n"
        "\tgithub.com/sirupsen/logruss v1.9.0\n"
        ")\n"
    )

    outcome = _scan("go.mod", text, index)

    assert _summary(outcome) == [
        (5, "dependencies.vulnerable", "high", 1395),
        (10, "dependencies.typosquatting", "high", 1357),
    ]
    assert "(fixed in 0.17.0)" in outcome.findings[0].message


def test_pom_xml_resolves_properties(index):
    text = (
        '<?xml version="1.0"?>\n'
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <properties>\n"
        "    <log4j.version>2.14.1</log4j.version>\n"
        "  </properties>\n"
        "  <dependencies>\n"
        "    <dependency>\n"
        "      <groupId>org.apache.logging.log4j</groupId>\n"
        "      <artifactId>log4j-core</artifactId>\n"
        "      <version>${log4j.version}</version>\n"
        "    </dependency>\n"
        "    <dependency>\n"
        "      <groupId>junit</groupId>\n"
        "      <artifactId>junit</artifactId>\n"
        "      <version>[4.0,5.0)</version>\n"
        "    </dependency>\n"
        "    <dependency>\n"
        "      <groupId>com.google.guava</groupId>\n"
        "      <artifactId>guava</artifactId>\n"
        "      <version>33.0.0-jre</version>\n"
        "    </dependency>\n"
        "  </dependencies>\n"
        "</project>\n"
    )

    outcome = _scan("pom.xml", text, index)

    assert [(f.line, f.end_line, f.rule_id, f.severity) for f in outcome.findings] == [
        (7, 11, "dependencies.vulnerable", "critical"),
        (12, 16, "dependencies.unpinned", "low"),
    ]
    assert outcome.findings[0].message.startswith(
        "Maven package `org.apache.logging.log4j:log4j-core` 2.14.1 is affected by "
        "GHSA-jfh8-c2jp-5v3q"
    )


def test_a_pom_with_a_doctype_is_refused_not_expanded():
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE project [<!ENTITY x "boom">]>\n'
        "<project><dependencies/></project>\n"
    )

    outcome = _scan("pom.xml", text)

    assert outcome.findings == ()
    assert [(f.path, f.reason) for f in outcome.failures] == [
        ("pom.xml", "pom.xml declares a DTD or entities, which ReviewBench refuses")
    ]


def test_a_broken_manifest_is_a_failure_with_a_reason():
    outcome = _scan("package.json", '{"dependencies": {')

    assert outcome.findings == ()
    assert len(outcome.failures) == 1
    assert outcome.failures[0].reason.startswith("package.json is not valid JSON: ")


@pytest.mark.parametrize(
    ("ecosystem", "name", "target"),
    [
        ("PyPI", "reqeusts", "requests"),
        ("PyPI", "djnago", "django"),
        ("PyPI", "python-requests", "requests"),
        ("PyPI", "sixx", "six"),
        ("npm", "lodahs", "lodash"),
        ("npm", "cross_env", "cross-env"),
        ("Go", "github.com/sirupsen/logruss", "github.com/sirupsen/logrus"),
        ("Maven", "com.google.guava:guavaa", "com.google.guava:guava"),
    ],
)
def test_near_misses_of_popular_names_are_typosquats(ecosystem, name, target):
    assert typosquat_target(ecosystem, name) == target


@pytest.mark.parametrize(
    ("ecosystem", "name"),
    [
        ("PyPI", "requests"),
        ("PyPI", "Django"),
        ("PyPI", "PyYAML"),
        ("PyPI", "pyaml"),
        ("PyPI", "boto"),
        ("npm", "lodash"),
        ("npm", "react-dom"),
        ("Go", "github.com/labstack/echo/v5"),
        ("PyPI", "my-internal-tool"),
    ],
)
def test_popular_names_and_unrelated_names_are_not_typosquats(ecosystem, name):
    assert typosquat_target(ecosystem, name) is None


def test_without_an_index_no_vulnerability_is_reported():
    outcome = _scan("requirements.txt", "requests==2.30.0\nPyYAML==5.3.1\n")

    assert outcome.findings == ()
    assert DependencyScanner().version == "1.0.0"


def test_the_index_digest_is_part_of_the_scanner_version(index):
    with vulnerability_index_in_use(index):
        scanner = DependencyScanner()

    assert scanner.version == f"1.0.0+db.{index.digest[:12]}"
    assert DependencyScanner().version == "1.0.0"


@needs_manifest_languages
def test_only_added_or_changed_dependencies_are_reported(index):
    old = "flask>=2.0\nrequests==2.31.0\nnumpy==1.26.4\n"
    new = "flask>=2.0\nrequests==2.30.0\nnumpy==1.26.4\nreqeusts==2.31.0\n"

    with vulnerability_index_in_use(index):
        result = analyze_snapshot(
            snapshot(file_change("requirements.txt", old, new)), scanners=[DependencyScanner()]
        )

    assert [(f.data.line, f.data.rule_id) for f in result.findings] == [
        (2, "dependencies.vulnerable"),
        (4, "dependencies.typosquatting"),
    ]


@needs_manifest_languages
def test_a_manifest_without_changed_dependencies_reports_nothing(index):
    old = '{\n  "dependencies": {\n    "lodash": "4.17.20"\n  }\n}\n'
    new = '{\n  "description": "app",\n  "dependencies": {\n    "lodash": "4.17.20"\n  }\n}\n'

    with vulnerability_index_in_use(index):
        result = analyze_snapshot(
            snapshot(file_change("package.json", old, new)), scanners=[DependencyScanner()]
        )

    assert result.findings == ()
    assert [(f.path, f.analysis) for f in result.files] == [("package.json", "analysed")]
