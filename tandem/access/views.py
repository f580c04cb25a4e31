"""Doors for signing in, the home redirect and personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.access import selectors, services
from tandem.access.roles import Role
from tandem.errors import InvalidInput


@login_required
def home(request):
    """Each team lands in its own home; everyone else on the shared numbers."""
    user = request.user
    if user.is_marketing:
        return redirect("marketing:home")
    if user.is_sales:
        return redirect("sales:home")
    if user.role == Role.EMPLOYEE:
        return redirect("people:touch_new")
    return redirect("dashboards:shared")


@login_required
def tokens(request):
    new_token = None
    if request.method == "POST":
        try:
            _, new_token = services.token_issue(
                user=request.user, name=request.POST.get("name", "")
            )
        except InvalidInput as exc:
            messages.error(request, "; ".join(exc.errors.values()))
    return render(
        request,
        "access/tokens.html",
        {
            "tokens": selectors.tokens_of(user=request.user),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    try:
        services.token_revoke(user=request.user, token_id=token_id)
        messages.success(request, "Token revoked.")
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    return redirect("tokens")
