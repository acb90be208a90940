from __future__ import annotations

import pytest

from github_app.models import WebhookDelivery
from github_app.signature import signature_valid
from tests.github_app.conftest import load_payload

# GitHub's documented test vector (docs: "Validating webhook deliveries").
DOC_SECRET = "It's a Secret to Everybody"
DOC_BODY = b"Hello, World!"
DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_documented_vector_is_valid():
    assert signature_valid(DOC_BODY, DOC_SIGNATURE, [DOC_SECRET]) is True


def test_second_configured_secret_is_accepted_for_rotation():
    assert signature_valid(DOC_BODY, DOC_SIGNATURE, ["new-secret", DOC_SECRET]) is True


def _flip_last_hex(signature: str) -> str:
    last = signature[-1]
    return signature[:-1] + ("0" if last != "0" else "1")


FORGED = {
    "wrong secret": (DOC_BODY, DOC_SIGNATURE, ["not it"]),
    "flipped body byte": (b"Hello, World?", DOC_SIGNATURE, [DOC_SECRET]),
    "flipped signature hex": (DOC_BODY, _flip_last_hex(DOC_SIGNATURE), [DOC_SECRET]),
    "sha1 header only": (DOC_BODY, "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", [DOC_SECRET]),
    "empty header": (DOC_BODY, "", [DOC_SECRET]),
    "missing header": (DOC_BODY, None, [DOC_SECRET]),
    "missing prefix": (DOC_BODY, DOC_SIGNATURE.removeprefix("sha256="), [DOC_SECRET]),
    "truncated": (DOC_BODY, DOC_SIGNATURE[:-2], [DOC_SECRET]),
    "uppercase hex": (DOC_BODY, "sha256=" + DOC_SIGNATURE[7:].upper(), [DOC_SECRET]),
    "no secrets configured": (DOC_BODY, DOC_SIGNATURE, []),
    "empty secret configured": (DOC_BODY, DOC_SIGNATURE, [""]),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_signature_is_rejected(case):
    body, header, secrets = FORGED[case]

    assert signature_valid(body, header, secrets) is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59",
        "",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea",
    ],
)
def test_webhook_with_forged_signature_is_401_and_stores_nothing(post_webhook, broker, signature):
    response = post_webhook(
        "pull_request", load_payload("pull_request.opened"), signature=signature
    )

    assert response.status_code == 401
    assert response.json() == {"status": "bad signature"}
    assert WebhookDelivery.objects.count() == 0
    assert broker.llen("celery") == 0


@pytest.mark.django_db
def test_webhook_signed_with_wrong_secret_is_401(post_webhook, broker):
    response = post_webhook("ping", load_payload("ping"), secret="guessed-secret")

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
    assert broker.llen("celery") == 0


@pytest.mark.django_db
def test_webhook_signed_with_uppercase_hex_is_401(post_webhook, broker):
    from tests.github_double import sign_body

    body = b'{"zen": "x"}'
    upper = "sha256=" + sign_body(body, "test-webhook-secret")[7:].upper()

    response = post_webhook("ping", body, signature=upper)

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_webhook_signed_with_rotated_secret_is_accepted(post_webhook, broker):
    response = post_webhook("ping", load_payload("ping"), secret="old-rotated-secret")

    assert response.status_code == 202
    assert WebhookDelivery.objects.get().event == "ping"
