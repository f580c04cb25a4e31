"""The audit log, for admins."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from tandem.access import policies
from tandem.audit.models import AuditEntry


@login_required
def audit_list(request):
    policies.require(request.user, "view", "audit_log")
    entries = AuditEntry.objects.select_related("actor")
    if request.GET.get("type"):
        entries = entries.filter(record_type=request.GET["type"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "section": "audit"})
