from django.apps import AppConfig


class AisConfig(AppConfig):
    name = "ais"
    verbose_name = "AIS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Count

        from core.metrics import register_gauge

        from .models import PortCallRecompute

        def recomputes() -> dict[tuple[str, ...], float]:
            rows = PortCallRecompute.objects.exclude(state="done").values_list("state")
            return {
                (state,): n for state, n in rows.annotate(n=Count("id")).values_list("state", "n")
            }

        register_gauge(
            "cw_portcall_recomputes",
            "Late-position recomputes of port calls not done, by state",
            recomputes,
            ("state",),
        )
