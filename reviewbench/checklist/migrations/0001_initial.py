"""The checklist room's models, taken over from the `reviews` app (issue 9).

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
        ("findings", "0002_provenance_vulnerabilities"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ChecklistItem",
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
                        ("key", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("triage", "Triage finding"),
                                    ("assumption", "Challenge an assumption"),
                                    ("comprehension", "Explain the AI-written code"),
                                    ("explain", "Explain this change"),
                                    ("signoff", "Functional sign-off"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("position", models.PositiveIntegerField(default=0)),
                        ("prompt", models.TextField()),
                        ("content_hash", models.CharField(blank=True, default="", max_length=64)),
                        (
                            "assumption_kind",
                            models.CharField(blank=True, default="", max_length=48),
                        ),
                        ("path", models.CharField(blank=True, default="", max_length=1024)),
                        ("line", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "outcome",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "Not answered"),
                                    ("holds", "Holds"),
                                    ("does_not_hold", "Does not hold"),
                                    ("not_applicable", "Not applicable"),
                                ],
                                default="",
                                max_length=16,
                            ),
                        ),
                        ("flagged", models.BooleanField(default=False)),
                        ("flag_reason", models.CharField(blank=True, default="", max_length=300)),
                        ("answer", models.TextField(blank=True, default="")),
                        ("answered_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "carried_over_from",
                            models.CharField(blank=True, default="", max_length=64),
                        ),
                        (
                            "answered_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "changed_file",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="checklist_items",
                                to="findings.changedfile",
                            ),
                        ),
                        (
                            "finding",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="checklist_items",
                                to="findings.finding",
                            ),
                        ),
                        (
                            "hunk",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="checklist_items",
                                to="findings.hunk",
                            ),
                        ),
                        (
                            "revision",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="checklist_items",
                                to="findings.revision",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["revision", "position"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("revision", "key"), name="uniq_checklist_item_key"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
