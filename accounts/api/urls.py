"""Routes of the accounts API (included by config.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ObtainTokenView

router = SimpleRouter()

urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="auth-token")]
