"""The lifecycle lab's demo user, made once here rather than on a click (two clicks could race)."""

from django.apps.registry import Apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DEMO_USERNAME = "demo"  # inspector.demo.DEMO_USERNAME, frozen as a migration must be


def create_demo_user(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Only where the lab's demo login is on (this repository's site): a project that installs
    # the inspector gains no user. Turned on later, the lab makes it on the first click.
    options = getattr(settings, "SESSION_INSPECTOR", None)
    if not (isinstance(options, dict) and options.get("DEMO_USER")):
        return
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    # No usable password: the lab logs it in without one, and nobody can log in as it.
    user_model.objects.using(schema_editor.connection.alias).get_or_create(
        username=DEMO_USERNAME, defaults={"password": make_password(None)}
    )


def remove_demo_user(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    user_model.objects.using(schema_editor.connection.alias).filter(username=DEMO_USERNAME).delete()


class Migration(migrations.Migration):
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [migrations.RunPython(create_demo_user, remove_demo_user)]
