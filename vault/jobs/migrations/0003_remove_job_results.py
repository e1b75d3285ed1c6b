# The results now live in JobResult rows (0002 copied them there).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_job_result_rows"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="job",
            name="results",
        ),
    ]
