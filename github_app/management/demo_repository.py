"""Generates the demo's sample repository: a small shop service and three pull-request branches.

The commits use fixed authors and dates, so the SHAs are the same on every machine and the demo
is idempotent. Two branches carry AI co-author trailers and introduce real flaws; one is clean.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

BASE_FILES = {
    "README.md": "# acme-shop\n\nA small order service used by the ReviewBench demo.\n",
    ".reviewbench.yml": "# ReviewBench policy, read from the base branch.\nversion: 1\n",
    "requirements.txt": "flask==3.1.0\nPyYAML==6.0.2\nrequests==2.32.3\n",
    "shop/__init__.py": "",
    "shop/db.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def connect(path: str) -> sqlite3.Connection:\n"
        "    return sqlite3.connect(path)\n"
    ),
    "shop/orders.py": (
        "from shop.db import connect\n"
        "\n"
        "\n"
        "def order_by_id(db_path: str, order_id: int):\n"
        "    conn = connect(db_path)\n"
        '    row = conn.execute("SELECT id, total FROM orders WHERE id = ?", (order_id,))\n'
        "    return row.fetchone()\n"
    ),
    "shop/users.py": (
        "import hashlib\n"
        "import os\n"
        "\n"
        "\n"
        "def hash_password(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:\n"
        "    salt = salt or os.urandom(16)\n"
        "    return salt, hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)\n"
    ),
}


@dataclass(frozen=True)
class DemoCommit:
    message: str
    files: dict[str, str]
    author: tuple[str, str] = ("Dana Developer", "dana@example.com")


@dataclass(frozen=True)
class DemoPullRequest:
    number: int
    branch: str
    title: str
    body: str
    author_login: str
    labels: tuple[str, ...]
    commits: tuple[DemoCommit, ...]


PULL_REQUESTS = (
    DemoPullRequest(
        number=1,
        branch="feature/order-search",
        title="Add order search and receipt export",
        body="Adds a customer order search and a PDF receipt export.\n\nGenerated with Copilot.",
        author_login="dana",
        labels=("ai-assisted",),
        commits=(
            DemoCommit(
                message=(
                    "Add order search by customer\n\n"
                    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"
                ),
                files={
                    "shop/search.py": (
                        "from shop.db import connect\n"
                        "\n"
                        "\n"
                        'def search_orders(db_path: str, customer: str, sort: str = "id"):\n'
                        '    """Return the orders of one customer."""\n'
                        "    conn = connect(db_path)\n"
                        "    query = \"SELECT id, total FROM orders WHERE customer = '%s' ORDER BY %s\" % (customer, sort)\n"  # noqa: E501
                        "    return conn.execute(query).fetchall()\n"
                    ),
                },
            ),
            DemoCommit(
                message=(
                    "Export receipts as PDF\n\n"
                    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"
                ),
                files={
                    "shop/receipts.py": (
                        "import subprocess\n"
                        "\n"
                        "import requests\n"
                        "\n"
                        "\n"
                        "def export_receipt(order_id: str, out_dir: str) -> str:\n"
                        '    target = f"{out_dir}/{order_id}.pdf"\n'
                        '    command = f"wkhtmltopdf /receipts/{order_id} {target}"\n'
                        "    subprocess.run(command, shell=True, check=True)\n"
                        "    return target\n"
                        "\n"
                        "\n"
                        "def fetch_logo(url: str) -> bytes:\n"
                        "    return requests.get(url, verify=False).content\n"
                    ),
                },
            ),
            DemoCommit(
                message="Document the search endpoint\n",
                files={
                    "README.md": BASE_FILES["README.md"]
                    + "\n## Search\n\n`search_orders(db, customer)` lists a customer's orders.\n",
                },
            ),
        ),
    ),
    DemoPullRequest(
        number=2,
        branch="feature/session-import",
        title="Import saved carts and legacy passwords",
        body="Lets users import a saved cart and keeps legacy password hashes working.\n\n"
        "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        author_login="sam",
        labels=(),
        commits=(
            DemoCommit(
                message=("Import saved carts\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"),
                author=("Sam Shipper", "sam@example.com"),
                files={
                    "shop/carts.py": (
                        "import base64\n"
                        "import pickle\n"
                        "\n"
                        "import yaml\n"
                        "\n"
                        "\n"
                        "def import_cart(cookie_value: str):\n"
                        "    return pickle.loads(base64.b64decode(cookie_value))\n"
                        "\n"
                        "\n"
                        "def load_cart_config(text: str):\n"
                        "    return yaml.load(text)\n"
                    ),
                },
            ),
            DemoCommit(
                message=(
                    "Accept legacy password hashes\n\n"
                    "Co-Authored-By: Claude <noreply@anthropic.com>\n"
                ),
                author=("Sam Shipper", "sam@example.com"),
                files={
                    "shop/users.py": BASE_FILES["shop/users.py"] + "\n\n"
                    "def legacy_hash(password: str) -> str:\n"
                    "    return hashlib.md5(password.encode()).hexdigest()\n",
                },
            ),
        ),
    ),
    DemoPullRequest(
        number=3,
        branch="fix/order-typing",
        title="Type the order lookup result",
        body="Small typing fix, written by hand.",
        author_login="dana",
        labels=(),
        commits=(
            DemoCommit(
                message="Type the order lookup result\n",
                files={
                    "shop/orders.py": BASE_FILES["shop/orders.py"].replace(
                        "def order_by_id(db_path: str, order_id: int):",
                        "def order_by_id(db_path: str, order_id: int) -> tuple[int, int] | None:",
                    ),
                },
            ),
        ),
    ),
)


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - fixed git arguments, no shell  # nosec B603 B607
        ["git", *args],  # noqa: S607
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip()


def _commit(repo: Path, commit: DemoCommit, when: int) -> None:
    for rel, text in commit.files.items():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        _git(repo, "add", "--", rel)
    name, email = commit.author
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_AUTHOR_DATE": f"{when} +0000",
        "GIT_COMMITTER_DATE": f"{when} +0000",
    }
    _git(repo, "commit", "--quiet", "--no-gpg-sign", "-m", commit.message, env=env)


def demo_repository_create(path: Path) -> Path:
    """Create the sample repository at `path` (once; an existing one is left as it is)."""
    if (path / ".git").is_dir():
        return path
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "--quiet", "--initial-branch=main")
    _git(path, "config", "user.name", "ReviewBench Demo")
    _git(path, "config", "user.email", "demo@reviewbench.invalid")
    _git(path, "config", "commit.gpgsign", "false")
    when = 1_760_000_000
    _commit(path, DemoCommit(message="Initial shop service\n", files=BASE_FILES), when)
    for pr in PULL_REQUESTS:
        _git(path, "checkout", "--quiet", "-b", pr.branch, "main")
        for commit in pr.commits:
            when += 3600
            _commit(path, commit, when)
        _git(path, "checkout", "--quiet", "main")
    return path
