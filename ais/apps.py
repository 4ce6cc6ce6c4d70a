from django.apps import AppConfig


class AisConfig(AppConfig):
    name = "ais"
    verbose_name = "AIS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import profiles
        from core.metrics import register_gauge

        from .ingest.decoded import BUILTIN, check_mapping
        from .services.stats import recomputes_by_state

        profiles.register("ais", check_mapping, BUILTIN)

        def recomputes() -> dict[tuple[str, ...], float]:
            return {(s,): n for s, n in recomputes_by_state().items() if s != "done"}

        register_gauge(
            "cw_portcall_recomputes",
            "Late-position recomputes of port calls not done, by state",
            recomputes,
            ("state",),
        )
