"""Bring is_staff / is_superuser in line with the role (User.save keeps them so from now on)."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    # A superuser made before the rule (createsuperuser) is an admin; then the flags follow the role.
    User.objects.filter(is_superuser=True).exclude(role="admin").update(role="admin")
    User.objects.filter(role="admin", is_active=True).update(is_staff=True, is_superuser=True)
    User.objects.exclude(role="admin", is_active=True).update(is_staff=False, is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
