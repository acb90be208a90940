"""Approvals and the gate: required counts and groups, stale approvals, installation defaults."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from findings.engine.snapshot import FileChange, PullRequestSnapshot
from findings.models import Finding, Revision
from github_app.admin import InstallationForm
from github_app.models import Installation
from reviewbench.approvals.models import Approval, RevisionPolicy
from reviewbench.approvals.selectors import awaiting_text, missing_approvals, missing_approvals_text
from reviewbench.approvals.services import (
    ApprovalDenied,
    revision_approve,
    revision_policy_evaluate,
)
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.selectors import review_state
from reviewbench.reviews.services import pull_request_process
from tests.factories import make_repository

GOOD_ANSWER = "Checked the export end to end against the staging database."

DEFAULTS_TEXT = (
    "version: 1\n"
    "tiers:\n"
    "  - name: standard\n"
    "    level: 0\n"
    "    approvals: {count: 3, groups: [security]}\n"
    "    sla_hours: 72\n"
)


def complete_checklist(revision: Revision, user) -> None:
    Finding.objects.filter(revision=revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="Test data only."
    )
    ChecklistItem.objects.filter(revision=revision, kind__in=["explain", "signoff"]).update(
        answer=GOOD_ANSWER, answered_by=user, answered_at=timezone.now()
    )


def require(revision: Revision, *, count: int, groups: list[str]) -> RevisionPolicy:
    return RevisionPolicy.objects.create(
        revision=revision, tier="sensitive", level=20, required_approvals=count,
        required_groups=groups,
    )  # fmt: skip


def join(user, name: str) -> None:
    group, _ = Group.objects.get_or_create(name=name)
    user.groups.add(group)


# --- required groups and counts ---------------------------------------------------------------


def test_group_requirement_is_satisfied_only_by_a_member_of_the_group(review):
    # given one approval required, from security; rita is in security, sam is not
    complete_checklist(review.revision, review.reviewer)
    require(review.revision, count=1, groups=["security"])
    join(review.reviewer, "security")
    join(review.reviewer, "backend")

    # when sam (not in security) approves
    sams = revision_approve(revision=review.revision, user=review.second_reviewer)

    # then his approval counts but the group is still missing, and rita may still approve
    assert (sams.groups, sams.stale) == ([], False)
    assert missing_approvals(review.revision) == (1, ("security",))
    state = review_state(review.revision, review.reviewer)
    assert (state.approved, state.can_approve, state.reason) == (False, True, "")
    assert state.missing_text == "1 more approval, one from security"
    report = check_report_for_revision(revision=review.revision)
    assert report.conclusion == "action_required"
    assert report.title == "checklist 5/5 · awaiting 1 approval from security"
    assert "Approved by sam." in report.summary
    assert "Still missing: 1 more approval, one from security." in report.summary

    # when rita (security) approves
    ritas = revision_approve(revision=review.revision, user=review.reviewer)

    # then her groups are recorded and the gate opens
    ritas.refresh_from_db()
    assert ritas.groups == ["backend", "security"]
    assert ritas.covered_hashes == sorted(
        h.content_hash for f in review.revision.files.all() for h in f.hunks.all()
    )
    assert missing_approvals(review.revision) == (0, ())
    assert review_state(review.revision).approved is True
    report = check_report_for_revision(revision=review.revision)
    assert report.conclusion == "success"
    assert report.title == "Approved by sam, rita · checklist 5/5"
    assert "Approved by sam, rita (backend, security)." in report.summary
    assert "Still missing" not in report.summary


def test_count_requirement_needs_that_many_approvals_and_keeps_the_button_for_the_second(review):
    # given two approvals required and no group
    complete_checklist(review.revision, review.reviewer)
    require(review.revision, count=2, groups=[])

    # when the first reviewer approves
    revision_approve(revision=review.revision, user=review.reviewer)

    # then one more is missing, the second reviewer may approve, the first may not again
    assert missing_approvals(review.revision) == (1, ())
    second_state = review_state(review.revision, review.second_reviewer)
    assert (second_state.can_approve, second_state.approved) == (True, False)
    assert second_state.missing_text == "1 more approval"
    first_state = review_state(review.revision, review.reviewer)
    assert first_state.reason == "You have already approved this revision."
    report = check_report_for_revision(revision=review.revision)
    assert (report.conclusion, report.title) == (
        "action_required",
        "checklist 5/5 · awaiting 1 approval",
    )

    # when the second approves
    revision_approve(revision=review.revision, user=review.second_reviewer)

    # then the gate opens
    assert missing_approvals(review.revision) == (0, ())
    assert check_report_for_revision(revision=review.revision).conclusion == "success"


def test_approvals_complete_but_checklist_open_is_not_approved(review):
    # given one approval required and given, but the checklist still open
    require(review.revision, count=1, groups=[])
    Approval.objects.create(revision=review.revision, user=review.reviewer)

    # then the review is not approved and the title awaits no approval
    state = review_state(review.revision)
    assert (state.approved, state.missing_count, state.missing_groups) == (False, 0, ())
    report = check_report_for_revision(revision=review.revision)
    assert (report.conclusion, report.title) == (
        "action_required",
        "2 findings to triage · checklist 0/5",
    )


def test_missing_text_names_counts_and_groups():
    assert missing_approvals_text(0, ()) == ""
    assert missing_approvals_text(1, ()) == "1 more approval"
    assert missing_approvals_text(2, ("security",)) == ("2 more approvals, one from security")
    assert missing_approvals_text(2, ("security", "cto")) == (
        "2 more approvals, one from each of security, cto"
    )
    assert awaiting_text(2, ("security",)) == "awaiting 2 approvals, one from security"
    assert awaiting_text(0, ()) == ""


def test_a_group_missing_needs_one_more_approval_even_when_the_count_is_met(review):
    # given three approvals required from security and cto, and three from neither group
    require(review.revision, count=3, groups=["security", "cto"])
    other = review.author
    for user in (review.reviewer, review.second_reviewer, other):
        Approval.objects.create(revision=review.revision, user=user, groups=["backend"])

    # then one more approval is still needed, from each missing group
    assert missing_approvals(review.revision) == (1, ("security", "cto"))


def test_the_author_cannot_approve_even_in_the_required_group(review):
    # given a complete checklist and the author in security
    complete_checklist(review.revision, review.reviewer)
    require(review.revision, count=1, groups=["security"])
    join(review.author, "security")

    # when the author approves
    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=review.revision, user=review.author)

    # then it is refused and nothing is recorded
    assert denied.value.reason == "The author of a pull request cannot approve it."
    assert Approval.objects.count() == 0
    assert AuditEvent.objects.filter(action="revision.approved").count() == 0
    assert missing_approvals(review.revision) == (1, ("security",))


def test_approving_twice_is_refused_and_records_nothing(review):
    complete_checklist(review.revision, review.reviewer)
    revision_approve(revision=review.revision, user=review.reviewer)

    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=review.revision, user=review.reviewer)

    assert denied.value.reason == "You have already approved this revision."
    assert Approval.objects.count() == 1
    assert AuditEvent.objects.filter(action="revision.approved").count() == 1


def test_stale_approvals_do_not_count(review):
    # given one approval required and only a stale one
    complete_checklist(review.revision, review.reviewer)
    require(review.revision, count=1, groups=[])
    Approval.objects.create(
        revision=review.revision, user=review.reviewer, stale=True, carried_over_from="c" * 40
    )

    # then the gate stays shut and the summary says why
    assert missing_approvals(review.revision) == (1, ())
    report = check_report_for_revision(revision=review.revision)
    assert report.conclusion == "action_required"
    assert "No approvals yet." in report.summary
    assert "Stale (the push changed hunks this approval covered): rita." in report.summary

    # when its owner approves afresh, the stale row is replaced by a counting one
    approval = revision_approve(revision=review.revision, user=review.reviewer)
    approval.refresh_from_db()
    assert (Approval.objects.count(), approval.stale, approval.carried_over_from) == (1, False, "")
    assert report.conclusion == "action_required"
    assert check_report_for_revision(revision=review.revision).conclusion == "success"


# --- stale approvals across pushes ------------------------------------------------------------


def snapshot(head_sha: str, files: dict[str, str]) -> PullRequestSnapshot:
    return PullRequestSnapshot(
        repository_full_name="acme/docs",
        number=5,
        title="Document the export",
        body="",
        author_login="mallory-dev",
        base_ref="main",
        base_sha="0" * 40,
        head_ref="feature/docs",
        head_sha=head_sha,
        files=tuple(
            FileChange(
                path=path,
                status="added",
                patch="@@ -0,0 +1,1 @@\n" + f"+{text}\n",
                blob_sha=str(index) * 40,
                additions=1,
                content=f"{text}\n",
            )
            for index, (path, text) in enumerate(files.items(), start=1)
        ),
    )


FIRST = {"docs/export.md": "Export orders as CSV.", "docs/import.md": "Import is unchanged."}


@pytest.fixture
def approved_push(db, make_user, listener_calls):
    reviewer = make_user("rita")
    join(reviewer, "security")
    repository = make_repository("acme/docs", members=[reviewer])
    first = pull_request_process(repository=repository, snapshot=snapshot("1" * 40, FIRST))
    assert first.status == Revision.Status.READY
    complete_checklist(first, reviewer)
    approval = revision_approve(revision=first, user=reviewer)
    return repository, first, approval, reviewer


def test_a_push_that_leaves_the_covered_hunks_alone_carries_the_approval_over(approved_push):
    repository, first, approval, reviewer = approved_push

    # when a push adds a file and leaves the reviewed hunks as they were
    files = {**FIRST, "docs/faq.md": "A new question."}
    second = pull_request_process(repository=repository, snapshot=snapshot("2" * 40, files))

    # then the approval is carried over, still counting, with its groups and hashes
    carried = Approval.objects.get(revision=second)
    assert (carried.user_id, carried.stale, carried.carried_over_from) == (
        reviewer.pk,
        False,
        first.head_sha,
    )
    assert (carried.groups, carried.covered_hashes) == (["security"], approval.covered_hashes)
    event = AuditEvent.objects.get(revision=second, action="approval.carried_over")
    assert event.details["approval_id"] == carried.pk
    assert event.details["changed_hunks"] == 0
    assert AuditEvent.objects.filter(action="approval.stale").count() == 0
    assert missing_approvals(second) == (0, ())

    # and running the same push again carries nothing twice
    pull_request_process(repository=repository, snapshot=snapshot("2" * 40, files))
    assert Approval.objects.filter(revision=second).count() == 1
    assert AuditEvent.objects.filter(action="approval.carried_over").count() == 1


def test_a_push_that_changes_a_covered_hunk_makes_the_approval_stale(approved_push):
    repository, first, _approval, reviewer = approved_push

    # when a push rewrites a reviewed line
    files = {**FIRST, "docs/export.md": "Export orders as CSV and JSON."}
    second = pull_request_process(repository=repository, snapshot=snapshot("3" * 40, files))

    # then the approval is there, stale, and does not count
    stale = Approval.objects.get(revision=second)
    assert (stale.user_id, stale.stale, stale.carried_over_from) == (
        reviewer.pk,
        True,
        first.head_sha,
    )
    event = AuditEvent.objects.get(revision=second, action="approval.stale")
    assert (event.details["approval_id"], event.details["changed_hunks"]) == (stale.pk, 1)
    assert AuditEvent.objects.filter(action="approval.carried_over").count() == 0
    assert missing_approvals(second) == (1, ())
    complete_checklist(second, reviewer)
    assert check_report_for_revision(revision=second).conclusion == "action_required"
    assert review_state(second, reviewer).can_approve is True


# --- installation defaults --------------------------------------------------------------------


def test_installation_defaults_are_merged_under_the_repository_file(review):
    # given installation defaults and a repository file overriding one key of their base tier
    Installation.objects.filter(repositories=review.repository).update(
        policy_defaults=DEFAULTS_TEXT
    )
    Revision.objects.filter(pk=review.revision.pk).update(
        policy_text="version: 1\ntiers:\n  - name: standard\n    sla_hours: 5\n"
    )
    review.revision.refresh_from_db()

    # when the policy is evaluated
    stored = revision_policy_evaluate(revision=review.revision)

    # then the defaults replace the built-in ones and the file wins for its key
    assert (
        stored.tier,
        stored.required_approvals,
        stored.required_groups,
        stored.sla_hours,
        stored.error,
    ) == ("standard", 3, ["security"], 5, "")
    assert missing_approvals(review.revision) == (3, ("security",))


def test_invalid_installation_defaults_are_a_policy_error(review):
    # given defaults with a negative approval count on line 5
    Installation.objects.filter(repositories=review.repository).update(
        policy_defaults=DEFAULTS_TEXT.replace("count: 3", "count: -1")
    )

    # when the policy is evaluated
    stored = revision_policy_evaluate(revision=review.revision)

    # then the error names the defaults, the problem and the line; the check fails
    assert (stored.error, stored.error_line, stored.tier) == (
        "installation defaults: tiers[0].approvals.count: must be at least 0, got -1",
        5,
        "",
    )
    complete_checklist(review.revision, review.reviewer)
    report = check_report_for_revision(revision=review.revision)
    assert (report.conclusion, report.title) == ("failure", "Invalid .reviewbench.yml")
    assert review_state(review.revision).approved is False


def test_empty_installation_defaults_give_the_built_in_ones(review):
    Installation.objects.filter(repositories=review.repository).update(policy_defaults="  \n")

    stored = revision_policy_evaluate(revision=review.revision)

    # app/views.py has an open high finding: the built-in sensitive tier
    assert (stored.tier, stored.required_approvals, stored.required_groups, stored.error) == (
        "sensitive",
        2,
        ["security"],
        "",
    )


# --- the admin ------------------------------------------------------------------------------


def installation_form(text: str) -> InstallationForm:
    return InstallationForm(
        data={"account_login": "acme", "account_type": "Organization", "policy_defaults": text}
    )


def test_admin_rejects_invalid_policy_defaults_with_the_line(db):
    form = installation_form("version: 1\ntiers:\n  - name: standard\n    level: nope\n")

    assert form.is_valid() is False
    assert form.errors["policy_defaults"] == [
        "line 4: installation defaults: tiers[0].level: must be an integer, got a string"
    ]
    assert Installation.objects.count() == 0


def test_admin_rejects_defaults_without_a_base_tier(db):
    form = installation_form(
        "version: 1\ntiers:\n  - name: strict\n    level: 5\n    approvals: {count: 2}\n"
        "    sla_hours: 8\n    when: {size_above: 10}\n"
    )

    assert form.is_valid() is False
    assert form.errors["policy_defaults"] == [
        "line 3: installation defaults: no base tier: at least one tier must have no `when`, "
        "so every pull request gets a tier"
    ]


def test_admin_accepts_valid_policy_defaults(db):
    form = installation_form(DEFAULTS_TEXT)

    assert form.is_valid() is True, form.errors
    installation = form.save()
    # the form strips the trailing newline; the text is otherwise kept as typed
    assert installation.policy_defaults == DEFAULTS_TEXT.rstrip("\n")


def test_admin_pages_for_approvals_and_group_teams_render(admin_client, review):
    Approval.objects.create(
        revision=review.revision, user=review.reviewer, groups=["security"], stale=True
    )

    approvals = admin_client.get("/admin/approvals/approval/")
    teams = admin_client.get("/admin/approvals/groupteam/add/")

    assert approvals.status_code == 200
    assert "security" in approvals.content.decode()
    assert teams.status_code == 200
    assert 'name="team_slugs"' in teams.content.decode()
