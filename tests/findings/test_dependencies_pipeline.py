"""The pipeline's dependency scanner reads the advisories loaded into the database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from findings.models import Repository, Revision
from findings.services import revision_analyze
from tests.findings.conftest import file_change, snapshot

OSV = Path(__file__).resolve().parents[1] / "fixtures" / "osv" / "advisories.json"


def _analyse_requirements(new: str) -> Revision:
    repository = Repository.objects.create(full_name="octo/app")
    change = file_change("requirements.txt", "django==5.2.8\n", new, blob_sha="c" * 40)
    return revision_analyze(repository=repository, snapshot=snapshot(change))


@pytest.mark.django_db
def test_added_vulnerable_pin_is_a_finding_once_advisories_are_loaded():
    call_command("load_vulnerabilities", str(OSV), stdout=io.StringIO())

    revision = _analyse_requirements("django==5.2.8\nPyYAML==5.3.1\n")

    rows = list(revision.findings.values_list("rule_id", "line", "path"))
    assert ("dependencies.vulnerable", 2, "requirements.txt") in rows
    [finding] = revision.findings.filter(rule_id="dependencies.vulnerable")
    assert "GHSA-8q59-q68h-6hv4" in finding.message


@pytest.mark.django_db
def test_without_advisories_the_same_pin_is_not_reported_vulnerable():
    revision = _analyse_requirements("django==5.2.8\nPyYAML==5.3.1\n")

    assert not revision.findings.filter(rule_id="dependencies.vulnerable").exists()
