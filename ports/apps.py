from django.apps import AppConfig


class PortsConfig(AppConfig):
    name = "ports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from geo.api.extensions import register_node_context

        from .models import ThroughputReport
        from .services.throughput import latest_year_figures

        # The node API shows each node's latest full-year TEU (ports owns the figures).
        register_node_context(
            "latest_teu",
            lambda: latest_year_figures("teu"),
            tables=(ThroughputReport._meta.db_table,),
        )
