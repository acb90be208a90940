"""The security-first checklist on real PostgreSQL: sections, answers, carry-over, htmx."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from findings.models import Finding, Hunk, Revision
from reviewbench.access.models import ReviewerProfile
from reviewbench.approvals.models import Approval
from reviewbench.approvals.services import ApprovalDenied, revision_approve
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import AnswerRejected, revision_review_prepare
from reviewbench.reviews.services import review_finding_triage, review_item_answer
from tests.factories import (
    HEAD_SHA,
    NEXT_SHA,
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

VIEWS_HUNK = (
    "+def export(request, cursor):\n"
    '+    name = request.GET["name"]\n'
    "+    query = f\"SELECT * FROM o WHERE name = '{name}'\"\n"
    "+    cursor.execute(query)\n"
    "+    return render_csv(cursor)\n"
)
GO_HUNK = "+\tresp, err := http.Get(target)\n"
GO_HEADER = "func fetch(target string) error {"
GOOD_EXPLANATION = (
    "Builds a CSV export of the orders matching a customer name taken from the query string; "
    "the name goes into the SQL text, which is the part I checked most carefully."
)
DETAIL = "/acme/shop/pull/7/"
# An answer about the export that names none of its inputs or calls is partial, and says so.
PARTIAL = "; names only `export`, not `cursor`, `name`, `execute`"


@dataclass
class AiReview:
    revision: Revision
    finding: Finding
    reviewer: object
    second: object
    author: object

    def item(self, key_prefix: str) -> ChecklistItem:
        """The first item (in checklist order) whose key starts with `key_prefix`."""
        found = (
            ChecklistItem.objects.filter(revision=self.revision, key__startswith=key_prefix)
            .order_by("position")
            .first()
        )
        assert found is not None, key_prefix
        return found


def build_revision(pull_request, head_sha, *, go_hunk=GO_HUNK, views_hunk=VIEWS_HUNK):
    revision = make_revision(pull_request, head_sha=head_sha)
    views = make_file(revision, "app/views.py", hunks=(views_hunk,), authorship="ai", position=0)
    make_file(revision, "README.md", hunks=("+Export orders as CSV.\n",), position=1)
    make_file(revision, "handler.go", hunks=(go_hunk,), authorship="ai", position=2)
    Hunk.objects.filter(changed_file__revision=revision, changed_file__path="handler.go").update(
        section_header=GO_HEADER
    )
    finding = make_finding(revision, views, line=13)
    revision_review_prepare(revision=revision)
    return revision, finding


@pytest.fixture
def ai_review(db, make_user, listener_calls) -> AiReview:
    reviewer, second, author = make_user("rita"), make_user("sam"), make_user("mallory")
    ReviewerProfile.objects.create(user=author, github_login="mallory-dev")
    repository = make_repository("acme/shop", members=[reviewer, second, author])
    pull_request = make_pull_request(repository)
    revision, finding = build_revision(pull_request, HEAD_SHA)
    return AiReview(revision, finding, reviewer, second, author)


def answer(review, key_prefix, text, outcome="", user=None):
    return review_item_answer(
        item=review.item(key_prefix), user=user or review.reviewer, answer=text, outcome=outcome
    )


def answer_everything(review, *, skip=()):
    review_finding_triage(
        finding=review.finding,
        user=review.reviewer,
        decision=Finding.Triage.FALSE_POSITIVE,
        reason="The name is validated by the form.",
    )
    texts = iter(
        [
            "Reads the name from the request and passes it to the export query builder.",
            "With a name like 0 OR 1=1 the execute call runs another query: nothing escapes it.",
            "Fetches the target URL for the health check and returns the response body.",
        ]
    )
    for item in ChecklistItem.objects.filter(revision=review.revision).order_by("position"):
        if item.key in skip or item.kind == "triage":
            continue
        if item.kind == "assumption":
            review_item_answer(
                item=item, user=review.reviewer, answer="app/middleware.py:40", outcome="holds"
            )
        elif item.kind == "signoff":
            review_item_answer(
                item=item, user=review.reviewer, answer="Ran the export against staging data."
            )
        else:
            review_item_answer(item=item, user=review.reviewer, answer=next(texts))


# --- the four sections ------------------------------------------------------------------------


def test_checklist_is_triage_then_assumptions_then_comprehension_then_signoff(ai_review):
    items = list(ChecklistItem.objects.filter(revision=ai_review.revision).order_by("position"))

    assert [(item.kind, item.assumption_kind, item.path, item.line) for item in items] == [
        ("triage", "", "", None),
        ("assumption", "authz", "app/views.py", 10),
        ("assumption", "sql", "app/views.py", 13),
        ("assumption", "ssrf", "handler.go", 10),
        ("assumption", "timeout", "handler.go", 10),
        ("comprehension", "", "app/views.py", 10),
        ("comprehension", "", "app/views.py", 13),
        ("comprehension", "", "handler.go", 10),
        ("signoff", "", "", None),
    ]
    # the README is documentation: no question about it
    assert not [item for item in items if item.path == "README.md"]
    assert [item.position for item in items] == list(range(9))
    assert items[2].prompt == (
        "`name` (line 11) never reaches the SQL in `cursor.execute` on line 13 unchecked "
        "(in app/views.py)."
    )
    assert items[5].key == "comprehension:app/views.py:export"
    assert items[5].prompt == (
        "`export` (app/views.py, lines 10 to 14) was written by AI. In your own words:\n"
        "1. Inputs: where do `cursor`, `name` come from, and who controls them?\n"
        "2. Edge cases: what does it return or raise when they are empty, missing, oversized or "
        "hostile?\n"
        "3. Effects: what does it write or call, and with what: `cursor.execute` (the database, "
        "line 13)?"
    )
    assert items[5].expected_terms == ["cursor", "name", "execute", "export"]
    assert items[6].key == "comprehension:app/views.py:export:edge"
    assert items[6].prompt == (
        "What does `export` do when `name` is `0 OR 1=1`? Line 13 passes it to "
        "`cursor.execute(query)` (app/views.py:13)."
    )
    assert items[6].expected_terms == ["name", "execute"]
    assert "`name` reaches the database through `cursor.execute`" in items[6].rationale
    assert items[7].key == "comprehension:handler.go:fetch()"
    assert items[7].expected_terms == ["resp", "Get", "target"]
    assert items[8].key == "signoff"
    views_hunk = Hunk.objects.get(
        changed_file__revision=ai_review.revision, changed_file__path="app/views.py"
    )
    assert (items[2].hunk_id, items[5].hunk_id) == (views_hunk.pk, views_hunk.pk)
    assert items[2].changed_file_id == views_hunk.changed_file_id


def test_prepare_uses_the_head_content_for_the_ast_walk(db, make_user):
    # given a hunk that alone is not valid Python, and the whole file at head
    repository = make_repository("acme/shop")
    pull_request = make_pull_request(repository)
    revision = make_revision(pull_request)
    make_file(revision, "app/db.py", hunks=("+    cursor.execute(sql)\n",), authorship="ai")
    content = (
        "def run(cursor, term):\n" + "\n" * 7 + "    sql = 'x' + term\n    cursor.execute(sql)\n"
    )

    # when the checklist is prepared with the content
    items = revision_review_prepare(revision=revision, contents={"app/db.py": content})

    # then the variable is resolved through the assignment on line 9
    sql = [item for item in items if item.kind == "assumption"]
    assert [item.prompt for item in sql] == [
        "`term` (line 1) never reaches the SQL in `cursor.execute` on line 10 unchecked "
        "(in app/db.py)."
    ]
    assert [item.key for item in items if item.kind == "comprehension"] == [
        "comprehension:app/db.py:run",
        "comprehension:app/db.py:run:edge",
    ]


# --- assumption answers -------------------------------------------------------------------------


def test_holds_with_a_location_is_saved_and_audited(ai_review):
    saved = answer(ai_review, "assumption:sql:", "app/forms.py:12", outcome="holds")

    saved.refresh_from_db()
    assert (saved.outcome, saved.answer, saved.answered_by) == (
        "holds",
        "app/forms.py:12",
        ai_review.reviewer,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.details["kind"], event.details["outcome"]) == (
        "checklist.answered",
        "assumption",
        "holds",
    )
    assert Finding.objects.filter(scanner_id="reviewbench.assumption").count() == 0


@pytest.mark.parametrize(
    ("text", "outcome", "message"),
    [
        ("ok", "", "Choose whether the assumption holds, does not hold or does not apply."),
        (
            "it is fine",
            "holds",
            "Say where the assumption is enforced: a file:line (e.g. app/db.py:42) or an "
            "explanation of at least 30 characters; this one has 10.",
        ),
        (
            "no",
            "not_applicable",
            "Say why it does not apply: a reason of at least 10 characters is needed.",
        ),
        (
            "bad",
            "does_not_hold",
            "Say why it does not hold: a reason of at least 10 characters is needed.",
        ),
    ],
)
def test_invalid_assumption_answers_are_rejected_and_nothing_is_written(
    ai_review, text, outcome, message
):
    with pytest.raises(AnswerRejected) as rejected:
        answer(ai_review, "assumption:sql:", text, outcome=outcome)

    assert rejected.value.message == message
    assert ai_review.item("assumption:sql:").answered_at is None
    assert AuditEvent.objects.count() == 0
    assert Finding.objects.filter(scanner_id="reviewbench.assumption").count() == 0


def test_does_not_hold_becomes_a_confirmed_finding_that_blocks_approval(ai_review):
    # given everything else answered
    answer_everything(ai_review, skip={ai_review.item("assumption:sql:").key})

    # when the reviewer says the SQL assumption does not hold
    answer(ai_review, "assumption:sql:", "The name goes straight into the query.", "does_not_hold")

    # then a confirmed blocking finding sits on that line
    finding = Finding.objects.get(scanner_id="reviewbench.assumption")
    assert (finding.rule_id, finding.path, finding.line, finding.triage, finding.cwe) == (
        "assumption.sql",
        "app/views.py",
        13,
        Finding.Triage.CONFIRMED,
        89,
    )
    assert finding.triaged_by == ai_review.reviewer
    assert finding.title == "Assumption does not hold: SQL injection"
    assert finding.message.endswith("Reviewer: The name goes straight into the query.")
    # and the checklist is complete, yet approval is denied
    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=ai_review.revision, user=ai_review.second)
    assert denied.value.reason == (
        "1 finding is confirmed; a confirmed finding must be fixed by a new push."
    )
    assert Approval.objects.count() == 0


def test_changing_a_does_not_hold_answer_withdraws_its_finding_and_keeps_the_previous_answer(
    ai_review,
):
    answer(ai_review, "assumption:sql:", "The name goes straight into the query.", "does_not_hold")

    answer(ai_review, "assumption:sql:", "app/forms.py:12", outcome="holds")

    finding = Finding.objects.get(scanner_id="reviewbench.assumption")
    assert finding.triage == Finding.Triage.FALSE_POSITIVE
    assert finding.triage_reason == "The reviewer re-answered the assumption as holds."
    last = AuditEvent.objects.filter(action="checklist.answered").order_by("id").last()
    assert last.details["previous"]["answer"] == "The name goes straight into the query."
    assert last.details["previous"]["outcome"] == "does_not_hold"
    assert last.details["finding_id"] == finding.pk
    assert AuditEvent.objects.filter(action="checklist.answered").count() == 2


# --- comprehension answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Exports orders as CSV.",
            "An explanation needs at least 30 characters; this one has 22.",
        ),
        (
            "It does    query = f\"SELECT * FROM o WHERE name = '{name}'\" and returns.",
            "The answer copies a line of the code; explain what it does in your own words "
            "instead of quoting it.",
        ),
        (
            "export(request, cursor) then name = request.GET[name] then execute(query) and "
            "render_csv",
            "85% of the answer is tokens of the code itself; explain in your own words what it "
            "does and why it is correct.",
        ),
    ],
    ids=["short", "copied-line", "code-tokens"],
)
def test_comprehension_answer_rejected_when_short_or_copied(ai_review, text, message):
    with pytest.raises(AnswerRejected) as rejected:
        answer(ai_review, "comprehension:app/views.py", text)

    assert rejected.value.message == message
    assert ai_review.item("comprehension:app/views.py").answered_at is None
    assert AuditEvent.objects.count() == 0


def test_comprehension_answer_identical_to_another_is_rejected(ai_review):
    answer(ai_review, "comprehension:app/views.py", GOOD_EXPLANATION)

    with pytest.raises(AnswerRejected) as rejected:
        answer(ai_review, "comprehension:handler.go", "  " + GOOD_EXPLANATION.upper())

    assert rejected.value.message == (
        "This explanation is identical to another one on this pull request; "
        "explain each part of the code in its own words."
    )
    assert ai_review.item("comprehension:handler.go").answered_at is None
    assert AuditEvent.objects.count() == 1


def test_author_cannot_answer_a_comprehension_check(ai_review):
    with pytest.raises(AnswerRejected) as rejected:
        answer(ai_review, "comprehension:app/views.py", GOOD_EXPLANATION, user=ai_review.author)

    assert rejected.value.message == (
        "The author of a pull request cannot answer its review checklist."
    )
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Looks good to me, the export does the right thing.",
            "Thin answer: generic phrase “looks good”, short (50 characters)" + PARTIAL,
        ),
        (
            "It exports the orders and it exports the orders and it exports the orders again ok.",
            "Thin answer: repetitive wording" + PARTIAL,
        ),
        (
            "Exports the orders of one customer as a CSV.",
            "Thin answer: short (44 characters)" + PARTIAL,
        ),
    ],
)
def test_thin_answers_are_accepted_but_flagged(ai_review, text, reason):
    saved = answer(ai_review, "comprehension:app/views.py", text)

    saved.refresh_from_db()
    assert saved.answered_at is not None
    assert (saved.flagged, saved.flag_reason) == (True, reason)


def test_a_substantial_answer_is_not_flagged(ai_review):
    saved = answer(ai_review, "comprehension:app/views.py", GOOD_EXPLANATION)

    saved.refresh_from_db()
    assert (saved.flagged, saved.flag_reason) == (False, "")


def test_signoff_needs_twenty_characters(ai_review):
    with pytest.raises(AnswerRejected) as rejected:
        answer(ai_review, "signoff", "tested it")

    assert rejected.value.message == (
        "Say how you verified the change: at least 20 characters; this one has 9."
    )
    saved = answer(ai_review, "signoff", "Ran the export locally with 3 orders.")
    assert saved.answer == "Ran the export locally with 3 orders."


# --- the approve gate -----------------------------------------------------------------------------


def test_approve_needs_every_section_answered(ai_review):
    answer_everything(ai_review, skip={"signoff"})

    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=ai_review.revision, user=ai_review.reviewer)
    assert denied.value.reason == "1 checklist item still to answer."

    answer(ai_review, "signoff", "Ran the export against staging data.")
    approval = revision_approve(revision=ai_review.revision, user=ai_review.reviewer)

    assert approval.user == ai_review.reviewer
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))[-1] == (
        "revision.approved"
    )


# --- carry-over -----------------------------------------------------------------------------------


def test_unchanged_hunks_carry_over_changed_ones_and_the_signoff_do_not(ai_review):
    # given everything answered, and the SQL assumption judged not to hold
    answer_everything(ai_review, skip={ai_review.item("assumption:sql:").key})
    answer(ai_review, "assumption:sql:", "The name goes straight into the query.", "does_not_hold")
    pull_request = ai_review.revision.pull_request
    # when a new push changes handler.go only
    pull_request.head_sha = NEXT_SHA
    pull_request.save()
    Revision.objects.filter(pk=ai_review.revision.pk).update(status=Revision.Status.SUPERSEDED)
    nxt, _finding = build_revision(
        pull_request, NEXT_SHA, go_hunk='+\tresp, err := http.Get(target + "/v2")\n'
    )

    # then the unchanged views.py items carry over, from the first push
    items = {item.key: item for item in ChecklistItem.objects.filter(revision=nxt)}
    carried = sorted(key for key, item in items.items() if item.carried_over_from)
    assert carried == sorted(
        [
            ai_review.item("assumption:authz:").key,
            ai_review.item("assumption:sql:").key,
            "comprehension:app/views.py:export",
            "comprehension:app/views.py:export:edge",
        ]
    )
    assert {items[key].carried_over_from for key in carried} == {HEAD_SHA}
    views = items["comprehension:app/views.py:export"]
    assert (
        views.answer == "Reads the name from the request and passes it to the export query builder."
    )
    assert views.answered_by == ai_review.reviewer
    # and the changed Go hunk and the sign-off need new answers
    assert items["comprehension:handler.go:fetch()"].answered_at is None
    assert items["signoff"].answered_at is None
    go_assumptions = [item for item in items.values() if item.path == "handler.go"]
    assert sorted(item.assumption_kind for item in go_assumptions if item.kind == "assumption") == [
        "ssrf",
        "timeout",
    ]
    assert all(item.answered_at is None for item in go_assumptions)
    # and the assumption that did not hold still blocks on the new push
    blocking = Finding.objects.get(revision=nxt, scanner_id="reviewbench.assumption")
    assert (blocking.triage, blocking.line) == (Finding.Triage.CONFIRMED, 13)


# --- htmx -----------------------------------------------------------------------------------------


@pytest.fixture
def rita(client, ai_review):
    client.force_login(ai_review.reviewer)
    return client


def test_htmx_answer_returns_the_item_partial_and_out_of_band_progress(rita, ai_review):
    item = ai_review.item("comprehension:app/views.py")

    response = rita.post(
        f"{DETAIL}checklist/{item.pk}/answer",
        {"answer": GOOD_EXPLANATION},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.startswith(f'<li class="item item-comprehension answered" id="item-{item.pk}"')
    assert "Saved." in content
    assert '<div class="progress-box" id="checklist-progress-box" hx-swap-oob="true">' in content
    assert '<span class="progress" id="checklist-progress">1/9</span>' in content
    assert '<section class="approve" id="approvals" hx-swap-oob="true">' in content
    assert "<html" not in content
    item.refresh_from_db()
    assert item.answer == GOOD_EXPLANATION


def test_htmx_rejected_answer_keeps_the_draft_and_writes_nothing(rita, ai_review):
    item = ai_review.item("assumption:sql:")

    response = rita.post(
        f"{DETAIL}checklist/{item.pk}/answer",
        {"answer": "<b>nope</b>", "outcome": "holds"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert '<p class="item-error" role="alert">Not saved: Say where the assumption' in content
    assert "&lt;b&gt;nope&lt;/b&gt;</textarea>" in content
    assert "<b>nope</b>" not in content
    item.refresh_from_db()
    assert item.answered_at is None
    assert AuditEvent.objects.count() == 0


def test_htmx_triage_returns_the_triage_item_and_the_finding(rita, ai_review):
    item = ai_review.item("triage:")

    response = rita.post(
        f"{DETAIL}findings/{ai_review.finding.pk}/triage",
        {"decision": "false_positive", "reason": "The name is validated by the form."},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert content.startswith(f'<li class="item item-triage answered" id="item-{item.pk}"')
    assert f'id="finding-{ai_review.finding.pk}" hx-swap-oob="true"' in content
    ai_review.finding.refresh_from_db()
    assert ai_review.finding.triage == Finding.Triage.FALSE_POSITIVE


def test_page_shows_sections_progress_and_flagged_answers(rita, ai_review):
    answer(ai_review, "comprehension:app/views.py", "Exports the orders of one customer as a CSV.")
    answer(ai_review, "assumption:sql:", "app/forms.py:12", outcome="holds")

    content = rita.get(DETAIL).content.decode()

    assert content.index('id="section-triage"') < content.index('id="section-assumptions"')
    assert content.index('id="section-assumptions"') < content.index('id="section-comprehension"')
    assert content.index('id="section-comprehension"') < content.index('id="section-signoff"')
    assert '<span class="progress" id="checklist-progress">2/9</span>' in content
    assert "⚑ flagged: Thin answer: short (44 characters)" in content
    assert 'Assumptions</a> <span class="count">1/4</span>' not in content  # title is full
    assert 'Assumption challenges</a> <span class="count">1/4</span>' in content
    assert "vendor/htmx.min.js" in content


def test_status_partial_polls_while_analysing_and_refreshes_when_ready(rita, ai_review):
    Revision.objects.filter(pk=ai_review.revision.pk).update(status=Revision.Status.ANALYZING)

    page = rita.get(DETAIL).content.decode()
    polling = rita.get(f"{DETAIL}status", HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="{DETAIL}status"' in page
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert "HX-Refresh" not in polling.headers

    Revision.objects.filter(pk=ai_review.revision.pk).update(status=Revision.Status.READY)
    done = rita.get(f"{DETAIL}status", HTTP_HX_REQUEST="true")

    assert done.headers["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in done.content.decode()


def test_status_partial_is_tenant_isolated(client, make_user, ai_review):
    client.force_login(make_user("eve"))

    assert client.get(f"{DETAIL}status", HTTP_HX_REQUEST="true").status_code == 404


def test_answered_at_is_left_alone_by_a_plain_page_view(rita, ai_review):
    before = ChecklistItem.objects.filter(revision=ai_review.revision, answered_at__isnull=False)

    rita.get(DETAIL)

    assert before.count() == 0
    assert timezone.now() is not None
