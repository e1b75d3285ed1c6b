# Job.results (a JSON list rewritten whole on every append) becomes JobResult rows (one INSERT per append).
# The column is dropped in 0003: on PostgreSQL, altering jobs_job in the transaction that just inserted rows
# referencing it fails ("pending trigger events" of the deferred foreign keys).

import django.db.models.deletion
from django.db import migrations, models


def results_to_rows(apps, schema_editor):
    """Keep what existing jobs reported, in order, before the list column goes."""
    Job = apps.get_model("jobs", "Job")
    JobResult = apps.get_model("jobs", "JobResult")
    for job in Job.objects.exclude(results=[]).only("pk", "results").iterator():
        JobResult.objects.bulk_create(
            [JobResult(job_id=job.pk, data=result) for result in job.results or []], batch_size=1000
        )


def rows_to_results(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    JobResult = apps.get_model("jobs", "JobResult")
    for job in Job.objects.iterator():
        job.results = list(
            JobResult.objects.filter(job_id=job.pk).order_by("id").values_list("data", flat=True)
        )
        if job.results:
            job.save(update_fields=["results"])


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobResult",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("data", models.JSONField()),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="result_rows", to="jobs.job"
                    ),
                ),
            ],
            options={
                "ordering": ["job", "id"],
            },
        ),
        migrations.RunPython(results_to_rows, rows_to_results),
    ]
