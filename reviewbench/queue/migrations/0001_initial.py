"""The queue room's models, taken over from the `reviews` app (issue 9).

State only: `reviews.0006_models_move_to_rooms` renamed the tables, with their rows, to this
app's names; creating them again would lose the data.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reviews", "0006_models_move_to_rooms"),
        ("findings", "0002_provenance_vulnerabilities"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SlaBreachNotice",
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
                        ("breached_at", models.DateTimeField()),
                        ("notified_at", models.DateTimeField(auto_now_add=True)),
                        ("recipients", models.JSONField(blank=True, default=list)),
                        (
                            "revision",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sla_notice",
                                to="findings.revision",
                            ),
                        ),
                    ],
                ),
            ],
        ),
    ]
