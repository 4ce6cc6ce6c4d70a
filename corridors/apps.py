from django.apps import AppConfig


class CorridorsConfig(AppConfig):
    name = "corridors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from geo.api.extensions import register_node_tables

        from .models import RouteMember

        # The node layer filters by route (`?route=`): its answer reads route membership.
        register_node_tables(RouteMember._meta.db_table)
