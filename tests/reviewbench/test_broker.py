"""The embedded broker is at-least-once: a consumer that dies gives its messages back (17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection
from kombu.transport import virtual

from reviewbench import broker
from reviewbench.broker import CLAIMS_FOLDER, Transport, recover_dead_claims


@pytest.fixture
def folders(tmp_path, monkeypatch) -> dict[str, str]:
    # kombu keeps the filesystem transport's declared bindings in one process-wide state; each
    # test has its own folders, so its own state.
    monkeypatch.setattr(Transport, "global_state", virtual.BrokerState())
    queue = tmp_path / "broker" / "queue"
    queue.mkdir(parents=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(tmp_path / "broker" / "control"),
    }


def _connection(folders) -> Connection:
    return Connection("filesystem://", transport=Transport, transport_options=folders)


def _publish(folders, *bodies) -> None:
    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        for body in bodies:
            queue.put(body)
        queue.close()


def _queued(folders) -> list[str]:
    return sorted(n for n in os.listdir(folders["data_folder_in"]) if n.endswith(".celery.msg"))


def _claimed(folders) -> list[str]:
    root = Path(folders["data_folder_in"]).parent / CLAIMS_FOLDER
    if not root.exists():
        return []
    return sorted(p.name for p in root.glob("*/*.msg"))


def test_a_message_is_claimed_while_unacknowledged_and_gone_once_acknowledged(folders):
    _publish(folders, {"n": 1})

    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        message = queue.get(timeout=5)

        # taken out of the queue, but kept in this consumer's claims until acknowledged
        assert message.payload == {"n": 1}
        assert _queued(folders) == []
        assert len(_claimed(folders)) == 1

        message.ack()
        assert _claimed(folders) == []
        queue.close()


def test_a_live_consumers_claims_are_left_alone_by_another(folders):
    _publish(folders, {"n": 1})
    with _connection(folders) as first, _connection(folders) as second:
        taken = first.SimpleQueue("celery").get(timeout=5)

        # the second consumer's recovery runs, but the first one is alive: nothing for it
        broker_recovered = recover_dead_claims(
            Path(folders["data_folder_in"]).parent / CLAIMS_FOLDER,
            Path(folders["data_folder_in"]),
        )
        with pytest.raises(Empty):
            second.SimpleQueue("celery").get(timeout=1)

        assert broker_recovered == 0
        taken.ack()


def test_a_rejected_message_with_requeue_and_an_unacked_one_at_close_come_back(folders):
    _publish(folders, {"n": 1}, {"n": 2})
    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        first = queue.get(timeout=5)
        queue.get(timeout=5)  # left unacknowledged
        first.reject(requeue=True)
        queue.close()

    # both are in the queue again, none is left claimed
    assert len(_queued(folders)) == 2
    assert _claimed(folders) == []
    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        bodies = sorted(queue.get(timeout=5).payload["n"] for _ in range(2))
        assert bodies == [1, 2]


_DIES_HOLDING_A_MESSAGE = textwrap.dedent(
    """
    import os, signal, sys
    from kombu import Connection
    from reviewbench.broker import Transport
    folders = {"data_folder_in": sys.argv[1], "data_folder_out": sys.argv[1],
               "control_folder": sys.argv[2]}
    conn = Connection("filesystem://", transport=Transport, transport_options=folders)
    message = conn.SimpleQueue("celery").get(timeout=5)
    print(message.payload["n"], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    """
)


def test_the_messages_of_a_consumer_killed_with_sigkill_are_delivered_again(folders, monkeypatch):
    # given a consumer process that takes a message and is killed before acknowledging it
    _publish(folders, {"n": 7})
    result = subprocess.run(
        [sys.executable, "-c", _DIES_HOLDING_A_MESSAGE, folders["data_folder_in"],
         folders["control_folder"]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert result.stdout.strip() == "7"
    assert _queued(folders) == [] and len(_claimed(folders)) == 1

    # when another consumer reads the queue
    monkeypatch.setattr(broker, "RECOVER_SECONDS", 0.0)
    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        message = queue.get(timeout=5)

        # then it gets the message again, marked redelivered, and the dead claims are gone
        assert message.payload == {"n": 7}
        assert message.delivery_info["redelivered"] is True
        message.ack()
        queue.close()
    assert _claimed(folders) == []
    claims_root = Path(folders["data_folder_in"]).parent / CLAIMS_FOLDER
    assert list(claims_root.iterdir()) == []


def test_a_file_still_being_written_is_never_read(folders):
    # a writer that has not finished: its temporary file is not a message
    (Path(folders["data_folder_in"]) / ".tmp-half-written").write_bytes(b'{"body": ')
    _publish(folders, {"n": 1})

    with _connection(folders) as conn:
        queue = conn.SimpleQueue("celery")
        assert queue.get(timeout=5).payload == {"n": 1}
        with pytest.raises(Empty):
            queue.get(timeout=1)
