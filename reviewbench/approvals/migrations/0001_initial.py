"""The approvals room's models, taken over from the `reviews` app (issue 9).

State only: `reviews.0006_models_move_to_rooms` renamed the tables, with their rows, to this
app's names; creating them again would lose the data.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reviews", "0006_models_move_to_rooms"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("findings", "0002_provenance_vulnerabilities"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="GroupTeam",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("team_slugs", models.JSONField(blank=True, default=list)),
                        (
                            "group",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="github",
                                to="auth.group",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="RevisionPolicy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("tier", models.CharField(blank=True, default="", max_length=100)),
                        ("level", models.IntegerField(default=0)),
                        ("required_approvals", models.PositiveIntegerField(default=1)),
                        ("required_groups", models.JSONField(blank=True, default=list)),
                        ("sla_hours", models.PositiveIntegerField(blank=True, null=True)),
                        ("reasons", models.JSONField(blank=True, default=list)),
                        ("boundary_violations", models.JSONField(blank=True, default=list)),
                        ("exceptions_needed", models.JSONField(blank=True, default=list)),
                        ("error", models.TextField(blank=True, default="")),
                        ("error_line", models.PositiveIntegerField(blank=True, null=True)),
                        ("evaluated_at", models.DateTimeField(auto_now=True)),
                        (
                            "revision",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="policy",
                                to="findings.revision",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="Approval",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("covered_hashes", models.JSONField(blank=True, default=list)),
                        ("groups", models.JSONField(blank=True, default=list)),
                        ("stale", models.BooleanField(default=False)),
                        (
                            "carried_over_from",
                            models.CharField(blank=True, default="", max_length=64),
                        ),
                        (
                            "revision",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="approvals",
                                to="findings.revision",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("revision", "user"), name="uniq_approval_per_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BoundaryException",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("path", models.CharField(max_length=1024)),
                        ("group", models.CharField(max_length=150)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("requested", "Requested"),
                                    ("granted", "Granted"),
                                    ("refused", "Refused"),
                                ],
                                default="requested",
                                max_length=10,
                            ),
                        ),
                        ("reason", models.TextField()),
                        ("requested_at", models.DateTimeField(auto_now_add=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_note", models.TextField(blank=True, default="")),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "pull_request",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="boundary_exceptions",
                                to="findings.pullrequest",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["pull_request", "path"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("pull_request", "path", "group"),
                                name="uniq_boundary_exception",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
