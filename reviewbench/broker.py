"""The embedded default's broker: kombu's filesystem transport, made at-least-once (issue 17).

kombu's filesystem transport deletes a message file the moment a consumer reads it, so a worker
that dies (SIGKILL from the out-of-memory killer) loses every message it had taken, acknowledged
or not, and a writer's file can be read before it is fully written. This transport keeps the
transport's folder layout and changes three things:

- A consumer *claims* a message by renaming its file into its own claims folder
  (`<queue folder>/../unacked/<owner>/`); `rename` is atomic, so two consumers never take one
  message. The file is deleted when the message is acknowledged, and put back in the queue when
  it is rejected with requeue or restored at shutdown.
- Each owner holds an exclusive `flock` on its claims folder's lock file for as long as it lives;
  the kernel drops it when the process dies, however it dies. Every consumer looks for claims
  folders whose lock it can take (their owner is dead) every `RECOVER_SECONDS` and puts their
  messages back in the queue, marked redelivered. The tasks are idempotent (by delivery and head
  SHA), so a message run twice does no harm; one never run is the failure this prevents.
- A message is written under a temporary name and renamed into the queue, so no consumer ever
  reads half a message.

Why not another broker: the embedded default must need no server (`make run` on a bare machine);
kombu's SQLAlchemy transport polls too and deletes on read the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any

from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

RECOVER_SECONDS = 2.0
CLAIMS_FOLDER = "unacked"
_LOCK_NAME = ".owner.lock"


class Channel(filesystem.Channel):
    """A filesystem channel whose messages survive the death of the process that took them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claimed: dict[Any, Path] = {}
        self._own_claims: Path | None = None
        self._owner_lock: Any = None
        self._recovered_at = 0.0

    # --- writing -------------------------------------------------------------------------------

    # kombu names the argument `message` in the base class and `payload` in this one.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the message under a temporary name, then rename it into the queue."""
        folder = Path(self.data_folder_out)
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        temporary = folder / f".tmp-{uuid.uuid4()}"
        try:
            with temporary.open("wb") as handle:
                handle.write(dumps(payload).encode())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, folder / name)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise filesystem.ChannelError(f"Cannot add message {name!r} to the queue") from exc

    # --- reading -------------------------------------------------------------------------------

    def _claims(self) -> Path:
        """This owner's claims folder, created (and locked) on the first read."""
        if self._own_claims is None:
            root = Path(self.data_folder_in).parent / CLAIMS_FOLDER
            owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            # Locked before it gets its name: a recovery never sees it without its lock held.
            new = root / f".new-{owner}"
            new.mkdir(parents=True)
            lock = (new / _LOCK_NAME).open("a")
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            claims = root / owner
            os.rename(new, claims)
            self._owner_lock = lock
            self._own_claims = claims
        return self._own_claims

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        """Claim the oldest message of `queue`; raises Empty when there is none."""
        claims = self._claims()
        now = time.monotonic()
        if now - self._recovered_at >= RECOVER_SECONDS:
            self._recovered_at = now
            recover_dead_claims(claims.parent, Path(self.data_folder_in))
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = claims / name
            try:
                os.rename(folder / name, claimed)
            except FileNotFoundError:
                continue  # another consumer took it first
            payload = loads(claimed.read_bytes())
            tag = payload.get("properties", {}).get("delivery_tag")
            self._claimed[tag] = claimed
            return payload
        raise filesystem.Empty()

    # --- settling ------------------------------------------------------------------------------

    def _settle(self, delivery_tag: Any) -> None:
        claimed = self._claimed.pop(delivery_tag, None)
        if claimed is not None:
            with contextlib.suppress(FileNotFoundError):
                claimed.unlink()

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        self._settle(delivery_tag)

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)  # requeue writes a new file
        self._settle(delivery_tag)

    def _restore(self, message: Any) -> None:
        super()._restore(message)
        self._settle(message.delivery_tag)

    def close(self) -> None:
        super().close()  # restores what is unacknowledged, settling each claim
        if self._owner_lock is not None:
            claims = self._own_claims
            self._owner_lock.close()
            self._owner_lock = None
            if claims is not None:
                # Nothing is left in it unless a restore failed: then the next consumer's
                # recovery puts it back.
                with contextlib.suppress(OSError):
                    (claims / _LOCK_NAME).unlink()
                    claims.rmdir()


def recover_dead_claims(root: Path, queue_folder: Path) -> int:
    """Put back in the queue the messages claimed by owners that are no longer alive (their lock
    can be taken); returns how many."""
    restored = 0
    try:
        owners = list(root.iterdir())
    except FileNotFoundError:
        return 0
    for claims in owners:
        if claims.name.startswith("."):
            continue  # an owner being set up
        lock_path = claims / _LOCK_NAME
        try:
            lock = lock_path.open("a")
        except OSError:
            continue
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its owner is alive
            for claimed in sorted(claims.iterdir()):
                if claimed.name == _LOCK_NAME:
                    continue
                try:
                    payload = loads(claimed.read_bytes())
                except (OSError, ValueError):
                    continue
                payload["redelivered"] = True
                # What Celery reads (`Request.delivery_info`), as a broker with acknowledgements
                # marks a message it delivers again.
                info = payload.get("properties", {}).get("delivery_info")
                if isinstance(info, dict):
                    info["redelivered"] = True
                temporary = queue_folder / f".tmp-{uuid.uuid4()}"
                temporary.write_bytes(dumps(payload).encode())
                os.replace(temporary, queue_folder / claimed.name)
                claimed.unlink()
                restored += 1
            with contextlib.suppress(OSError):
                lock_path.unlink()
                claims.rmdir()
    return restored


class Transport(filesystem.Transport):
    """kombu's filesystem transport with claimed, recoverable messages."""

    Channel = Channel
