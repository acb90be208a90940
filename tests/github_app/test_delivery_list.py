from __future__ import annotations

import pytest
from django.urls import reverse

from github_app.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def _delivery(i: int, **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        delivery_id=f"d-{i:03}",
        event="pull_request",
        action="opened",
        repository_full_name="octo-org/payments",
        payload={},
        **fields,
    )


def test_staff_sees_deliveries_escaped(client, make_user, django_assert_max_num_queries):
    client.force_login(make_user("ops", is_staff=True))
    for i in range(2, 60):
        _delivery(i)
    _delivery(1, status="failed", attempts=2, error="<script>alert(1)</script> broke")

    with django_assert_max_num_queries(6):
        response = client.get(reverse("github_app:delivery_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; broke" in html
    assert "pull_request.opened" in html
    assert html.count('class="delivery ') == 50
    assert "Page 1 of 2" in html


def test_second_page_lists_the_rest(client, make_user):
    client.force_login(make_user("ops", is_staff=True))
    for i in range(60):
        _delivery(i)

    response = client.get(reverse("github_app:delivery_list"), {"page": 2})

    assert response.content.decode().count('class="delivery ') == 10


def test_non_staff_is_forbidden(client, make_user):
    client.force_login(make_user("reviewer"))

    response = client.get(reverse("github_app:delivery_list"))

    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("github_app:delivery_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
