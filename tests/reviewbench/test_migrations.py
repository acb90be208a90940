"""Issue 9 moved the review workflow's models into rooms: existing databases keep every row.

Two paths: a SQLite database made on main before the split (`manage.py demo` plus one row of each
review table, `tests/fixtures/migrations/`) migrated forward by the real `migrate` command, and the
same move on PostgreSQL through Django's migration executor, down to the old schema and back up.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests" / "fixtures" / "migrations" / "main-2026-12-06-demo.sqlite.sql"
MOVED = {
    "reviews_reviewerprofile": "access_reviewerprofile",
    "reviews_auditevent": "audit_auditevent",
    "reviews_checklistitem": "checklist_checklistitem",
    "reviews_approval": "approvals_approval",
    "reviews_revisionpolicy": "approvals_revisionpolicy",
    "reviews_groupteam": "approvals_groupteam",
    "reviews_boundaryexception": "approvals_boundaryexception",
    "reviews_slabreachnotice": "queue_slabreachnotice",
}
BEFORE_SPLIT = [("reviews", "0005_boundary_exceptions")]


def _rows(db: sqlite3.Connection, table: str, columns: list[str] | None = None) -> list[tuple]:
    shown = ", ".join(f'"{name}"' for name in columns) if columns else "*"
    return db.execute(f'SELECT {shown} FROM "{table}" ORDER BY 1').fetchall()


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]


def _manage(db_path: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "DJANGO_DEBUG": "1",
        "REVIEWBENCH_DATA_DIR": str(tmp_path / "data"),
        "CELERY_BROKER_URL": "memory://",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_sqlite_database_of_main_before_the_split_migrates_forward_without_loss(tmp_path):
    # given a database made by main before the split, with demo data in every review table
    db_path = tmp_path / "reviewbench.sqlite3"
    with sqlite3.connect(db_path) as db:
        db.executescript(DUMP.read_text(encoding="utf-8"))
        before = {old: _rows(db, old) for old in MOVED}
        # Later migrations may add columns; the rows must keep every column they had.
        columns = {old: _columns(db, old) for old in MOVED}
        other_tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(("reviews_", "sqlite_", "django_migrations", "django_content"))
        ]
        others_before = {
            name: _rows(db, name) for name in other_tables if name != "sqlite_sequence"
        }
        other_columns = {name: _columns(db, name) for name in other_tables}
    assert all(before.values()), "the fixture has a row in every moved table"

    # when today's code migrates it
    result = _manage(db_path, tmp_path, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr

    # then every row is in the room's table, byte for byte, and nothing else changed
    with sqlite3.connect(db_path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        for old, new in MOVED.items():
            assert old not in tables
            assert _rows(db, new, columns[old]) == before[old], new
        for name, rows in others_before.items():
            after = _rows(db, name, other_columns[name])
            if name == "auth_permission":
                # Models added since (GitHub sign-in's) get their permissions; none goes or changes.
                assert [row for row in after if row in rows] == rows, name
            else:
                assert after == rows, name
        moved_types = dict(
            db.execute(
                "SELECT model, app_label FROM django_content_type WHERE model IN "
                "('checklistitem', 'approval', 'auditevent', 'slabreachnotice')"
            ).fetchall()
        )
        assert moved_types == {
            "checklistitem": "checklist",
            "approval": "approvals",
            "auditevent": "audit",
            "slabreachnotice": "queue",
        }
    # and the ORM reads the rows, a group keeps its permission on a moved model, and new rows get
    # fresh ids after the old ones
    check = _manage(
        db_path,
        tmp_path,
        "shell",
        "-c",
        "from django.contrib.auth.models import Group\n"
        "from reviewbench.checklist.models import ChecklistItem\n"
        "from reviewbench.audit.models import AuditEvent\n"
        "from reviewbench.approvals.models import Approval, GroupTeam\n"
        "event = AuditEvent.objects.get()\n"
        "new = AuditEvent.objects.create(pull_request=event.pull_request, action='x.y')\n"
        "print(ChecklistItem.objects.count(), Approval.objects.get().covered_hashes,\n"
        "      GroupTeam.objects.get().team_slugs, new.pk > event.pk,\n"
        "      Group.objects.get(name='security').permissions.get().content_type.app_label)\n",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().splitlines()[-1] == (
        "23 ['abc', 'def'] ['appsec', 'platform-security'] True checklist"
    )


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_move_keeps_rows_and_reverses_cleanly(django_user_model):
    # given the schema as it was before the split, with a row in two moved tables
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE_SPLIT)
    try:
        old = executor.loader.project_state(BEFORE_SPLIT).apps
        user = old.get_model("auth", "User").objects.create(username="lead")
        repository = old.get_model("findings", "Repository").objects.create(full_name="acme/shop")
        pull_request = old.get_model("findings", "PullRequest").objects.create(
            repository=repository, number=7, head_sha="a" * 40
        )
        revision = old.get_model("findings", "Revision").objects.create(
            pull_request=pull_request, head_sha="a" * 40, analyzer_version="1"
        )
        approval = old.get_model("reviews", "Approval").objects.create(
            revision=revision, user=user, covered_hashes=["h1"], groups=["security"]
        )
        event = old.get_model("reviews", "AuditEvent").objects.create(
            pull_request=pull_request, revision=revision, actor=user, action="revision.approved"
        )

        # when it migrates forward
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

        # then the rows are the rooms' rows, with their ids
        new = executor.loader.project_state(latest).apps
        moved = new.get_model("approvals", "Approval").objects.get()
        assert (moved.pk, moved.covered_hashes, moved.groups, moved.user_id) == (
            approval.pk,
            ["h1"],
            ["security"],
            user.pk,
        )
        assert new.get_model("audit", "AuditEvent").objects.get().pk == event.pk
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
        assert {"approvals_approval", "audit_auditevent"} <= tables
        assert not {name for name in tables if name.startswith("reviews_")}
    finally:
        MigrationExecutor(connection).migrate(latest)
