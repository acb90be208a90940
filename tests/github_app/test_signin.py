"""GitHub sign-in end to end against the double's OAuth side: the flow, access that follows
GitHub (read to see, write to approve), teams that drive approval groups, the TTL re-check with
a refreshed token, and the failures that must fail closed."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from findings.models import Revision
from github_app.models import Installation
from reviewbench.access.models import GitHubAccess, ReviewerProfile
from reviewbench.access.selectors import pull_requests_for, user_is_member
from reviewbench.approvals.models import GroupTeam
from reviewbench.approvals.selectors import approval_blocker
from tests.factories import api_client_for, make_pull_request, make_repository, make_revision

INSTALLATION = 77


@pytest.fixture
def sign_in_github(github, settings):
    settings.GITHUB_CLIENT_ID = github.oauth_client_id
    settings.GITHUB_CLIENT_SECRET = github.oauth_client_secret
    settings.GITHUB_URL = github.base_url
    return github


@pytest.fixture
def shop(db):
    """acme/shop with one ready PR, installed (GitHub id 77) with no local members."""
    repository = make_repository("acme/shop")
    Installation.objects.filter(repositories=repository).update(github_id=INSTALLATION)
    make_revision(make_pull_request(repository, number=7, title="Add order export"))
    make_repository("acme/secret-plans")  # another repository of the org, not granted
    return repository


def sign_in(client: Client, github, login: str):
    started = client.post("/accounts/github/login/", {"process": "login"})
    assert started.status_code == 302, started.content[:300]
    authorize = started["Location"]
    assert authorize.startswith(f"{github.base_url}/login/oauth/authorize?")
    callback = urlsplit(github.approve(authorize, login))
    return client.get(f"{callback.path}?{callback.query}")


def test_the_login_page_offers_github_and_post_starts_the_flow(sign_in_github, shop):
    client = Client()

    page = client.get("/accounts/login/").content.decode()
    confirm = client.get("/accounts/github/login/")
    started = client.post("/accounts/github/login/", {"process": "login"})

    assert 'action="/accounts/github/login/"' in page and "Sign in with GitHub" in page
    assert confirm.status_code == 200  # a GET asks; it does not leave for GitHub
    query = dict(part.split("=", 1) for part in urlsplit(started["Location"]).query.split("&"))
    assert query["client_id"] == sign_in_github.oauth_client_id
    assert query["code_challenge_method"] == "S256" and query["state"]


def test_without_a_client_id_there_is_no_github_sign_in(github, settings, shop):
    settings.GITHUB_CLIENT_ID = ""
    client = Client()

    assert "Sign in with GitHub" not in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/github/login/").status_code == 404
    assert client.get("/accounts/github/login/callback/?code=x&state=y").status_code == 404


def test_a_reader_signs_in_sees_the_repository_and_may_not_approve(sign_in_github, shop):
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "read"}})
    client = Client()

    done = sign_in(client, sign_in_github, "octocat")

    assert (done.status_code, done["Location"]) == (302, "/")
    user = User.objects.get(username="octocat")
    assert SocialAccount.objects.get(user=user).extra_data["login"] == "octocat"
    assert ReviewerProfile.objects.get(user=user).github_login == "octocat"
    assert list(GitHubAccess.objects.filter(user=user).values_list("full_name", "permission")) == [
        ("acme/shop", "read")
    ]
    listing = client.get("/").content.decode()
    assert "Add order export" in listing
    assert [pr.repository.full_name for pr in pull_requests_for(user)] == ["acme/shop"]
    revision = Revision.objects.get(pull_request__number=7)
    assert approval_blocker(revision=revision, user=user) == (
        "GitHub gives you read access to this repository; approving needs write access."
    )
    assert client.get("/acme/secret-plans/pull/1/").status_code == 404
    token_calls = sign_in_github.requests_to("POST", "/login/oauth/access_token")
    assert token_calls[0].json["code_verifier"]  # PKCE


def test_a_writer_may_approve_once_the_review_rules_allow(sign_in_github, shop):
    sign_in_github.add_oauth_user("hubot", installations={INSTALLATION: {"acme/shop": "write"}})
    client = Client()
    sign_in(client, sign_in_github, "hubot")
    user = User.objects.get(username="hubot")
    revision = Revision.objects.get(pull_request__number=7)

    blocker = approval_blocker(revision=revision, user=user) or ""

    assert "write access" not in blocker and "not a member" not in blocker
    assert user_is_member(user=user, repository=shop)


def test_teams_put_the_user_in_the_mapped_approval_groups_and_out_again(sign_in_github, shop):
    security = Group.objects.create(name="security")
    GroupTeam.objects.create(group=security, team_slugs=["acme/appsec"])
    leads = Group.objects.create(name="leads")
    GroupTeam.objects.create(group=leads, team_slugs=["tech-leads"])
    local = Group.objects.create(name="local-only")
    person = sign_in_github.add_oauth_user(
        "octocat",
        installations={INSTALLATION: {"acme/shop": "write"}},
        teams=[("acme", "appsec"), ("acme", "tech-leads")],
    )
    client = Client()
    sign_in(client, sign_in_github, "octocat")
    user = User.objects.get(username="octocat")
    user.groups.add(local)
    assert set(user.groups.values_list("name", flat=True)) == {"security", "leads", "local-only"}

    person.teams = [("acme", "tech-leads")]
    client.logout()
    sign_in(client, sign_in_github, "octocat")

    assert set(user.groups.values_list("name", flat=True)) == {"leads", "local-only"}


def test_signing_in_again_recognises_the_same_person_and_a_local_name_clash_gets_a_new_account(
    sign_in_github, shop, make_user
):
    make_user("octocat")  # a local account with the same name is not taken over
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "read"}})
    first, second = Client(), Client()

    sign_in(first, sign_in_github, "octocat")
    sign_in(second, sign_in_github, "octocat")

    account = SocialAccount.objects.get(provider="github")
    assert account.user.username != "octocat"
    assert SocialAccount.objects.count() == 1
    assert not GitHubAccess.objects.filter(user__username="octocat").exists()


def test_access_lapses_after_the_ttl_and_follows_github_when_rechecked(
    sign_in_github, shop, settings
):
    person = sign_in_github.add_oauth_user(
        "octocat", installations={INSTALLATION: {"acme/shop": "read"}}
    )
    client = Client()
    sign_in(client, sign_in_github, "octocat")
    user = User.objects.get(username="octocat")
    assert "Add order export" in client.get("/").content.decode()

    person.installations = {}  # GitHub removes them from the repository
    _age_everything(user, settings.REVIEWBENCH_GITHUB_ACCESS_TTL + 1)
    session = client.session
    session["reviewbench.github_access_seen"] = 0
    session.save()

    assert "Add order export" not in client.get("/").content.decode()
    assert client.get("/acme/shop/pull/7/").status_code == 404
    assert not GitHubAccess.objects.filter(user=user).exists()


def test_an_expired_token_is_refreshed_for_the_recheck(sign_in_github, shop, settings):
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "write"}})
    client = Client()
    sign_in(client, sign_in_github, "octocat")
    user = User.objects.get(username="octocat")
    old = SocialToken.objects.get(account__user=user)
    SocialToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    _age_everything(user, settings.REVIEWBENCH_GITHUB_ACCESS_TTL + 1)

    response = api_client_for(user).get("/api/pull-requests/")

    assert response.json()["count"] == 1
    new = SocialToken.objects.get(account__user=user)
    assert new.token != old.token and new.expires_at > timezone.now()
    refresh = sign_in_github.requests_to("POST", "/login/oauth/access_token")[-1]
    assert refresh.json["grant_type"] == "refresh_token"


def test_a_revoked_sign_in_fails_closed_and_says_why(sign_in_github, shop, settings):
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "read"}})
    client = Client()
    sign_in(client, sign_in_github, "octocat")
    user = User.objects.get(username="octocat")
    sign_in_github.revoke_user_tokens("octocat")
    _age_everything(user, settings.REVIEWBENCH_GITHUB_ACCESS_TTL + 1)
    session = client.session
    session["reviewbench.github_access_seen"] = 0
    session.save()

    page = client.get("/").content.decode()

    assert "Add order export" not in page
    assert "GitHub could not confirm which repositories you can see" in page
    assert (
        "sign in with GitHub again" in ReviewerProfile.objects.get(user=user).github_access_problem
    )


def test_github_down_at_sign_in_signs_in_with_no_access(sign_in_github, shop):
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "read"}})
    sign_in_github.fail_next("/user/installations", method="GET", status=502, times=5)
    client = Client()

    done = sign_in(client, sign_in_github, "octocat")

    assert done.status_code == 302
    user = User.objects.get(username="octocat")
    assert not GitHubAccess.objects.filter(user=user).exists()
    assert "502" in ReviewerProfile.objects.get(user=user).github_access_problem


def test_a_forged_callback_signs_nobody_in(sign_in_github, shop):
    sign_in_github.add_oauth_user("octocat", installations={INSTALLATION: {"acme/shop": "read"}})
    client = Client()
    started = client.post("/accounts/github/login/", {"process": "login"})
    callback = urlsplit(sign_in_github.approve(started["Location"], "octocat"))
    attacker = Client()  # another browser: no state in its session

    forged = attacker.get(f"{callback.path}?{callback.query}")
    wrong_state = client.get(f"{callback.path}?code=x&state=not-the-state")

    assert not User.objects.filter(username="octocat").exists()
    assert forged.status_code == 401 and "_auth_user_id" not in attacker.session
    assert wrong_state.status_code == 401 and "_auth_user_id" not in client.session


def test_staff_see_everything_but_act_only_where_they_have_access(shop, make_user):
    admin = make_user("ada", is_staff=True)

    assert [pr.number for pr in pull_requests_for(admin)] == [7]
    assert not user_is_member(user=admin, repository=shop)


def _age_everything(user: User, seconds: int) -> None:
    past = timezone.now() - datetime.timedelta(seconds=seconds)
    GitHubAccess.objects.filter(user=user).update(checked_at=past)
    ReviewerProfile.objects.filter(user=user).update(github_access_checked_at=past)
