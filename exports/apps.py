from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Count

        from core.metrics import register_gauge

        from .models import ExportJob

        def by_state() -> dict[tuple[str, ...], float]:
            rows = ExportJob.objects.values_list("state").annotate(n=Count("id"))
            return {(state,): n for state, n in rows.values_list("state", "n")}

        register_gauge("cw_export_jobs", "Export jobs by state", by_state, ("state",))
