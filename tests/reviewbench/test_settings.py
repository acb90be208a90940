"""The settings module: production-safe unless asked, embedded defaults that need no server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]


def _clean_env() -> dict[str, str]:
    """The environment without any of ReviewBench's settings: its defaults apply."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "GITHUB_", "REVIEWBENCH_"))
    }


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**_clean_env(), "DJANGO_SETTINGS_MODULE": "reviewbench.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _run("import django; django.setup()")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off." in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = _run(
        "import django; from django.core.management import call_command; django.setup(); "
        "call_command('check', deploy=True, fail_level='WARNING')",
        DJANGO_SECRET_KEY="a-production-secret-key-with-plenty-of-entropy-0123456789-abcdefghij",
        DJANGO_ALLOWED_HOSTS="reviewbench.example.com",
        REVIEWBENCH_DATA_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_embedded_defaults_are_sqlite_and_the_filesystem_broker(tmp_path):
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "from reviewbench.celery import app; app.loader.import_default_modules(); "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, "
        "s.SESSION_COOKIE_SECURE, app.conf.broker_transport_options['data_folder_in'])",
        DJANGO_DEBUG="1",
        REVIEWBENCH_DATA_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "True",
        "False",
        str(tmp_path / "broker" / "queue"),
    ]
    assert (tmp_path / "broker" / "queue").is_dir()
    assert (tmp_path / "broker" / "processed").is_dir()
    assert (tmp_path / "broker" / "control").is_dir()


def test_a_new_data_directory_is_created_and_migrated_into(tmp_path):
    # given a data directory that does not exist yet (issue 11.3)
    data = tmp_path / "not" / "there" / "yet"

    # when the first command a newcomer runs touches the database
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**_clean_env(), "DJANGO_DEBUG": "1", "REVIEWBENCH_DATA_DIR": str(data)},
    )  # fmt: skip

    # then it works, and writes its database there
    assert result.returncode == 0, result.stderr
    assert (data / "reviewbench.sqlite3").stat().st_size > 0


@pytest.mark.parametrize("name", ["DATABASE_URL", "CELERY_BROKER_URL"])
def test_server_urls_switch_to_postgresql_and_redis(name):
    value = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/other",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
    }[name]
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        DJANGO_DEBUG="1",
        **{name: value},
    )

    assert result.returncode == 0, result.stderr
    engine, broker = result.stdout.split()
    if name == "DATABASE_URL":
        assert engine == "django.db.backends.postgresql"
    else:
        assert broker == value


def test_filesystem_broker_carries_a_message_between_processes(tmp_path):
    # The embedded broker needs no server: what one process publishes, another consumes.
    folders = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport_options=folders) as producer_side:
        queue = producer_side.SimpleQueue("celery")
        queue.put({"task": "github_app.process_delivery", "args": [42]})
        queue.close()

    with Connection("filesystem://", transport_options=folders) as consumer_side:
        queue = consumer_side.SimpleQueue("celery")
        message = queue.get(timeout=5)
        assert message.payload == {"task": "github_app.process_delivery", "args": [42]}
        message.ack()
        queue.close()
