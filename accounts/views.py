"""The user's own page for an API token, for every role (operators also reach it from their
report page): see it and when it expires, make or renew it, revoke it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.tokens import token_expired, token_expires_at

from .oidc import enabled as oidc_enabled
from .services import (
    current_token,
    issue_token,
    new_token_key,
    remember_new_token,
    revoke_token,
)


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("create", "renew"):
            made = issue_token(request.user, renew=True)
            # Shown once, on the next page: copy it now (afterwards only its last characters).
            remember_new_token(request, made)
            messages.success(request, _("A new API token was made; the old one no longer works."))
        elif action == "revoke":
            revoke_token(request.user)
            messages.success(request, _("Your API token was revoked."))
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = "account-token"
        return redirect(target)
    token = current_token(request.user)
    return render(
        request,
        "accounts/token.html",
        {
            "token": token,
            "new_key": new_token_key(request, token),
            "expires_at": token_expires_at(token) if token else None,
            "expired": token_expired(token) if token else False,
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login form, with the organisation's sign-on beside it when configured."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc"] = oidc_enabled()
        return context
