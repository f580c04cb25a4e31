"""Doors for duplicates: the list of likely duplicates, and the merge page of two records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.errors import InvalidInput
from tandem.people import dismissals, duplicates, merge, selectors

KINDS = ("contacts", "accounts")
DISMISSED_SHOWN = 50


@login_required
def duplicates_list(request):
    """Likely duplicates, contacts or accounts (a tab each), with why and a link to merge."""
    tab = request.GET.get("tab", "contacts")
    tab = tab if tab in KINDS else "contacts"
    tabs = [k for k in KINDS if policies.can(request.user, "view", f"{k[:-1]}_merge")]
    if not tabs:
        raise PermissionDenied("Your role may not view contact duplicates.")
    if tab not in tabs:
        tab = tabs[0]
    finder = (
        duplicates.contact_duplicates_for_user
        if tab == "contacts"
        else duplicates.account_duplicates_for_user
    )
    kind = tab[:-1]
    return render(
        request,
        "people/duplicates.html",
        {
            "tab": tab,
            "kind": kind,
            "tabs": tabs,
            "groups": finder(user=request.user),
            "dismissed": dismissals.duplicate_dismissals_shown(
                user=request.user, kind=kind, limit=DISMISSED_SHOWN
            ),
            "can_dismiss": policies.can(request.user, "change", f"{kind}_merge"),
            "merge_url": reverse(f"people:{kind}_merge"),
            "section": "duplicates",
        },
    )


@login_required
@require_POST
def duplicate_dismiss(request):
    """ "Not a duplicate": the pair leaves the list (see ``people.dismissals``)."""
    kind = request.POST.get("kind", "")
    tab = f"{kind}s" if kind in dismissals.KINDS else "contacts"
    try:
        ids = [_id(raw, "ids") for raw in request.POST.getlist("ids")]
        dismissals.duplicate_dismiss(user=request.user, kind=kind, ids=ids)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(
            request,
            f"#{min(ids)} and #{max(ids)} are no longer listed as duplicates. "
            "Undo below, under Not duplicates.",
        )
    return redirect(f"{reverse('people:duplicates')}?tab={tab}")


@login_required
@require_POST
def duplicate_dismissal_undo(request, dismissal_id: int):
    """Put a dismissed pair back on the duplicates list."""
    dismissal = dismissals.duplicate_dismissal_get_for_user(
        user=request.user, dismissal_id=dismissal_id
    )
    dismissals.duplicate_dismissal_undo(user=request.user, dismissal=dismissal)
    messages.success(
        request, f"#{dismissal.low_id} and #{dismissal.high_id} may be listed as duplicates again."
    )
    return redirect(f"{reverse('people:duplicates')}?tab={dismissal.kind}s")


def _id(raw: str, field: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "choose a record to merge") from None


def _merged_id(request) -> int:
    """The record to merge: an id, or (from a contact's page) an email address."""
    raw = (request.GET.get("merged") or request.POST.get("merged_id") or "").strip()
    if "@" in raw:
        found = selectors.contact_find(email=raw.lower())
        if found is None:
            raise InvalidInput.field("merged", f"no contact with {raw}")
        return found.pk
    return _id(raw, "merged")


def _merge_page(request, kind: str):
    kept_id = _id(request.GET.get("kept") or request.POST.get("kept_id"), "kept")
    errors: dict[str, str] = {}
    try:
        merged_id = _merged_id(request)
    except InvalidInput as exc:
        if kind == "contact":
            messages.error(request, exc.errors.get("merged", "choose a contact to merge"))
            return redirect("people:contact", contact_id=kept_id)
        raise Http404("No such account") from None
    if request.method == "POST":
        choices = {
            key.removeprefix("choice:"): value
            for key, value in request.POST.items()
            if key.startswith("choice:")
        }
        service = merge.contact_merge if kind == "contact" else merge.account_merge
        kept, merged = duplicates.merge_pair_for_user(
            user=request.user, kind=kind, kept_id=kept_id, merged_id=merged_id
        )
        try:
            service(user=request.user, kept=kept, merged=merged, choices=choices)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            messages.success(request, f"{merged} was merged into {kept}.")
            if kind == "contact":
                return redirect("people:contact", contact_id=kept_id)
            return redirect("people:account", account_id=kept_id)
    preview = duplicates.merge_preview(
        user=request.user, kind=kind, kept_id=kept_id, merged_id=merged_id
    )
    return render(
        request,
        "people/merge.html",
        {
            "preview": preview,
            "errors": errors,
            "has_both": any(merge.BOTH in c.difference.sides for c in preview.choices),
            "can_merge": policies.can(request.user, "change", f"{kind}_merge", preview.kept)
            and policies.can(request.user, "change", f"{kind}_merge", preview.merged),
            "section": "contacts",
        },
    )


@login_required
def contact_merge(request):
    """Two contacts side by side: a choice per differing field, what moves, then merge."""
    return _merge_page(request, "contact")


@login_required
def account_merge(request):
    """Two accounts side by side, as for contacts."""
    return _merge_page(request, "account")
