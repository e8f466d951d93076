"""The "UNODA coordinator" role: a permission to set the exchange rates and the portal settings,
held by the group "UNODA coordinators"; the admin grants the role by adding a UNODA officer to
the group."""

from django.db import migrations

GROUP = "UNODA coordinators"  # apps.core.roles.COORDINATORS_GROUP when this was written


def create_group(apps, schema_editor):
    # Permissions are otherwise created after all migrations have run: made here so the group
    # can hold it (Django's own step then finds it and leaves it).
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _created = ContentType.objects.using(db).get_or_create(
        app_label="core", model="portalsettings"
    )
    permission, _created = Permission.objects.using(db).get_or_create(
        content_type=content_type,
        codename="coordinate",
        defaults={"name": "Can set exchange rates and portal settings"},
    )
    group, _created = Group.objects.using(db).get_or_create(name=GROUP)
    group.permissions.add(permission)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name=GROUP
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_portal_settings"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="portalsettings",
            options={
                "permissions": [("coordinate", "Can set exchange rates and portal settings")],
                "verbose_name": "portal settings",
                "verbose_name_plural": "portal settings",
            },
        ),
        migrations.RunPython(create_group, delete_group),
    ]
