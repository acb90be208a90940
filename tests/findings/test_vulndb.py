"""OSV parsing and version matching (pure), and load_vulnerabilities into the database."""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from findings.engine.osv.vulndb import (
    OSVError,
    VulnerabilityIndex,
    compare_versions,
    normalize_package_name,
    parse_osv_bytes,
    parse_osv_json,
)
from findings.models import Vulnerability
from findings.vulnerabilities import vulnerability_index_load

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "osv" / "advisories.json"


def _index() -> VulnerabilityIndex:
    return VulnerabilityIndex.from_advisories(parse_osv_bytes(FIXTURE.read_bytes()))


def _ids(index, ecosystem, name, version):
    return [advisory.id for advisory in index.matches(ecosystem, name, version)]


def test_the_shipped_file_has_one_advisory_per_package():
    advisories = parse_osv_bytes(FIXTURE.read_bytes())

    assert sorted((a.id, a.ecosystem, a.package) for a in advisories) == [
        ("GHSA-35jh-r3h4-6jhm", "npm", "lodash"),
        ("GHSA-35jh-r3h4-6jhm", "npm", "lodash-es"),
        ("GHSA-8q59-q68h-6hv4", "PyPI", "pyyaml"),
        ("GHSA-c7pp-g2v2-q766", "PyPI", "aiohttp"),
        ("GHSA-j8r2-6x86-q33q", "PyPI", "requests"),
        ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core"),
        ("GHSA-p6mc-m468-83gw", "npm", "lodash"),
        ("GO-2023-2102", "Go", "golang.org/x/net"),
        ("PYSEC-2023-100", "PyPI", "django"),
    ]


def test_introduced_and_fixed_bound_the_affected_range():
    index = _index()

    assert _ids(index, "PyPI", "PyYAML", "5.3.1") == ["GHSA-8q59-q68h-6hv4"]
    assert _ids(index, "PyPI", "PyYAML", "5.4") == []
    assert _ids(index, "PyPI", "requests", "2.30.0") == ["GHSA-j8r2-6x86-q33q"]
    assert _ids(index, "PyPI", "requests", "2.2.1") == []  # before `introduced`
    assert _ids(index, "PyPI", "requests", "2.31.0") == []


def test_several_ranges_in_one_advisory_each_count():
    index = _index()

    assert _ids(index, "PyPI", "Django", "3.2.19") == ["PYSEC-2023-100"]
    assert _ids(index, "PyPI", "Django", "3.2.20") == []
    assert _ids(index, "PyPI", "Django", "4.1.9") == ["PYSEC-2023-100"]
    assert _ids(index, "PyPI", "Django", "4.2.3") == []


def test_last_affected_includes_that_version_and_nothing_after():
    index = _index()

    assert _ids(index, "PyPI", "aiohttp", "3.9.3") == ["GHSA-c7pp-g2v2-q766"]
    assert _ids(index, "PyPI", "aiohttp", "3.9.4") == []
    assert _ids(index, "PyPI", "aiohttp", "1.0.4") == []


def test_explicit_versions_match_outside_the_ranges():
    index = _index()

    # 4.2rc1 sorts before `introduced: 4.2` but the advisory lists it explicitly.
    assert _ids(index, "PyPI", "django", "4.2rc1") == ["PYSEC-2023-100"]
    assert _ids(index, "PyPI", "django", "4.2.0rc2") == []


def test_pep440_pre_releases_order_before_their_release():
    index = _index()

    assert compare_versions("PyPI", "2.31.0rc1", "2.31.0") == -1
    assert compare_versions("PyPI", "2.31.0", "2.31.0.post1") == -1
    assert compare_versions("PyPI", "1.0", "1.0.0") == 0
    assert _ids(index, "PyPI", "requests", "2.31.0rc1") == ["GHSA-j8r2-6x86-q33q"]
    assert _ids(index, "PyPI", "requests", "2.3.0rc1") == []


def test_npm_go_and_maven_order_their_own_way():
    index = _index()

    assert _ids(index, "npm", "lodash", "4.17.18") == ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]
    assert _ids(index, "npm", "lodash", "4.17.20") == ["GHSA-35jh-r3h4-6jhm"]
    assert _ids(index, "npm", "lodash", "4.17.21") == []
    assert compare_versions("npm", "1.0.0-beta.2", "1.0.0-beta.11") == -1
    assert compare_versions("npm", "1.0.0-rc.1", "1.0.0") == -1
    assert _ids(index, "Go", "golang.org/x/net", "v0.16.0") == ["GO-2023-2102"]
    assert _ids(index, "Go", "golang.org/x/net", "v0.0.0-20210226172049-e18ecbb05110") == [
        "GO-2023-2102"
    ]
    assert _ids(index, "Go", "golang.org/x/net", "v0.17.0") == []
    log4j = "org.apache.logging.log4j:log4j-core"
    assert _ids(index, "Maven", log4j, "2.14.1") == ["GHSA-jfh8-c2jp-5v3q"]
    assert _ids(index, "Maven", log4j, "2.0") == ["GHSA-jfh8-c2jp-5v3q"]
    assert _ids(index, "Maven", log4j, "2.0-beta8") == []
    assert _ids(index, "Maven", log4j, "2.12.2") == []
    assert _ids(index, "Maven", log4j, "2.15.0") == []
    assert compare_versions("Maven", "1.0-SNAPSHOT", "1.0") == -1
    assert compare_versions("Maven", "1.0.0", "1") == 0


def test_names_are_normalised_per_ecosystem():
    assert normalize_package_name("PyPI", "Django_Rest.Framework") == "django-rest-framework"
    assert normalize_package_name("npm", "Lodash") == "lodash"
    assert (
        normalize_package_name("Go", "github.com/BurntSushi/toml") == "github.com/BurntSushi/toml"
    )


def test_fixed_after_names_the_next_fixed_release():
    advisory = _index().matches("PyPI", "django", "4.1")[0]

    assert advisory.fixed_after("4.1") == "4.1.10"
    assert advisory.fixed_after("4.2.1") == "4.2.3"
    assert advisory.cwe is None
    assert advisory.severity == "high"


def test_severity_and_cwe_come_from_the_advisory():
    pyyaml = _index().matches("PyPI", "pyyaml", "5.1")[0]
    requests = _index().matches("PyPI", "requests", "2.30.0")[0]

    assert (pyyaml.severity, pyyaml.cwe) == ("critical", 20)
    assert (requests.severity, requests.cwe) == ("medium", 200)


def test_a_zip_of_records_reads_like_the_list():
    records = json.loads(FIXTURE.read_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))

    advisories = parse_osv_bytes(buffer.getvalue(), name="all.zip")

    assert sorted(a.id for a in advisories) == sorted(a.id for a in parse_osv_json(records))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "input is not valid JSON"),
        (b'{"affected": []}', "an OSV record has no `id`"),
        (b'[{"id": "X-1", "affected": {}}]', "X-1: `affected` is not a list"),
        (b"PK\x03\x04garbage", "input is not a readable zip file"),
    ],
)
def test_malformed_osv_input_is_refused_with_a_reason(raw, message):
    with pytest.raises(OSVError) as caught:
        parse_osv_bytes(raw)

    assert str(caught.value).startswith(message)


@pytest.mark.django_db
def test_load_vulnerabilities_from_a_file_is_idempotent(capsys):
    call_command("load_vulnerabilities", str(FIXTURE))
    first = capsys.readouterr().out
    stored = list(Vulnerability.objects.order_by("pk").values("pk", "advisory_id", "package"))

    call_command("load_vulnerabilities", str(FIXTURE))
    second = capsys.readouterr().out

    assert "Loaded 9 package advisories: 9 created, 0 updated, 0 unchanged." in first
    assert "Loaded 9 package advisories: 0 created, 0 updated, 9 unchanged." in second
    assert (
        list(Vulnerability.objects.order_by("pk").values("pk", "advisory_id", "package")) == stored
    )
    row = Vulnerability.objects.get(advisory_id="GHSA-8q59-q68h-6hv4")
    assert (row.ecosystem, row.package, row.severity) == ("PyPI", "pyyaml", "critical")
    assert row.aliases == ["CVE-2020-14343", "PYSEC-2021-142"]


@pytest.mark.django_db
def test_a_changed_advisory_is_updated_in_place(tmp_path, capsys):
    records = json.loads(FIXTURE.read_text())
    call_command("load_vulnerabilities", str(FIXTURE))
    records[1]["affected"][0]["ranges"][0]["events"][1]["fixed"] = "2.32.0"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records))
    capsys.readouterr()

    call_command("load_vulnerabilities", str(changed))

    assert "0 created, 1 updated, 8 unchanged." in capsys.readouterr().out
    assert Vulnerability.objects.count() == 9
    index = vulnerability_index_load()
    assert _ids(index, "PyPI", "requests", "2.31.0") == ["GHSA-j8r2-6x86-q33q"]


@pytest.mark.django_db
def test_the_index_read_back_from_the_database_matches_like_the_file():
    call_command("load_vulnerabilities", str(FIXTURE))

    index = vulnerability_index_load()

    assert len(index) == 9
    assert index.digest == _index().digest
    assert [(a.id, a.cwe) for a in index.matches("PyPI", "PyYAML", "5.3.1")] == [
        ("GHSA-8q59-q68h-6hv4", 20)
    ]


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        if self.path != "/osv/advisories.json":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osv_server():
    _Handler.body = FIXTURE.read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_load_vulnerabilities_from_a_url(osv_server, capsys):
    call_command("load_vulnerabilities", f"{osv_server}/osv/advisories.json")

    assert "9 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert Vulnerability.objects.filter(ecosystem="npm", package="lodash").count() == 2


@pytest.mark.django_db
def test_a_bad_input_among_good_ones_writes_nothing(osv_server, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "GHSA-xxxx", "affected": [')

    with pytest.raises(CommandError) as caught:
        call_command("load_vulnerabilities", str(FIXTURE), str(broken))

    assert str(caught.value).startswith(f"could not load {broken}: ")
    assert "is not valid JSON" in str(caught.value)
    assert Vulnerability.objects.count() == 0


@pytest.mark.django_db
def test_a_url_that_answers_404_is_a_clear_error(osv_server):
    with pytest.raises(CommandError) as caught:
        call_command("load_vulnerabilities", f"{osv_server}/missing.json")

    assert str(caught.value) == (
        f"could not load {osv_server}/missing.json: {osv_server}/missing.json answered HTTP 404"
    )
    assert Vulnerability.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_and_an_unsupported_scheme_are_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_vulnerabilities", str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="only files and http"):
        call_command("load_vulnerabilities", "ftp://example.com/osv.zip")

    assert Vulnerability.objects.count() == 0
