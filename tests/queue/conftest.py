"""The queue's fixtures, shared by its page and API tests."""

from tests.queue.test_queue import lead, lead_client, mixed, shop  # noqa: F401
