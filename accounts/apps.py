from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    from .roles import sync_role_groups

    sync_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Role groups follow accounts.roles after every migrate (permissions exist by then).
        post_migrate.connect(_sync_roles, sender=self)
