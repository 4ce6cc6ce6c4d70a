from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Count

        from core.metrics import register_gauge

        from .models import Alert

        def by_kind() -> dict[tuple[str, ...], float]:
            rows = Alert.objects.exclude(state="closed").values_list("kind", "state")
            counted = rows.annotate(n=Count("id")).values_list("kind", "state", "n")
            return {(kind, state): n for kind, state, n in counted}

        register_gauge("cw_alerts", "Alerts not closed", by_kind, ("kind", "state"))
