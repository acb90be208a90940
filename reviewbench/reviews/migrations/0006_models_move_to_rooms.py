"""The review workflow's models move to the rooms that own them (issue 9).

Nothing is copied and nothing is dropped: each table is renamed to its new app's name
(`reviews_checklistitem` -> `checklist_checklistitem`, ...), rows, ids, foreign keys and
constraints stay as they are, and the models leave this app's migration state. Each room's
`0001_initial` then adds the model to its own state without touching the database. Content types
follow their models, so permissions given to groups and admin history keep pointing at them.
"""

from django.db import migrations

MOVES = {
    # model name -> new app label
    "reviewerprofile": "access",
    "auditevent": "audit",
    "checklistitem": "checklist",
    "approval": "approvals",
    "revisionpolicy": "approvals",
    "groupteam": "approvals",
    "boundaryexception": "approvals",
    "slabreachnotice": "queue",
}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, label in MOVES.items():
        old = ContentType.objects.using(db).filter(app_label="reviews", model=model).first()
        if old is None:
            continue
        if ContentType.objects.using(db).filter(app_label=label, model=model).exists():
            continue  # already created for the new app (a partly migrated database): keep it
        old.app_label = label
        old.save(update_fields=["app_label"])


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, label in MOVES.items():
        ContentType.objects.using(db).filter(app_label=label, model=model).update(
            app_label="reviews"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reviews", "0005_boundary_exceptions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=model, table=f"{label}_{model}")
                for model, label in MOVES.items()
            ],
            state_operations=[migrations.DeleteModel(name=model) for model in MOVES],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
