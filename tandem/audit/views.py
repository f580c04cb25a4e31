"""The audit log, for admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from tandem.access import policies
from tandem.audit import selectors


@login_required
def audit_list(request):
    policies.require(request.user, "view", "audit_log")
    entries = selectors.entries_list(record_type=request.GET.get("type", ""))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "section": "audit"})
