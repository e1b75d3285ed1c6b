from django.apps import AppConfig


class CalculatorsConfig(AppConfig):
    name = "vault.calculators"
    label = "calculators"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vault.calculators import signals  # noqa: F401 - connects the recompute-on-threshold-change receivers
