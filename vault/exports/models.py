"""Models of the exports app: only a view on jobs, so the admin has a page to import an export with."""

from vault.jobs.models import Job


class ExportImport(Job):
    """An import of a full export, run as a job of kind "export_import" (see vault/exports/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = "import of a full export"
        verbose_name_plural = "imports of full exports"
