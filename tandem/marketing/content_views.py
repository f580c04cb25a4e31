"""Doors for the content library: the library, one asset, sharing from a deal, and the
tracked link a contact opens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tandem.access import policies
from tandem.core.typed_input import typed_input
from tandem.errors import InvalidInput
from tandem.marketing import content, content_selectors
from tandem.marketing.models import AssetKind, ContentAsset
from tandem.marketing.schemas import AssetIn, AssetShareIn
from tandem.people.selectors import contact_get_for_user
from tandem.sales.selectors import deal_get_for_user

TEXTS = ("title", "kind", "description", "link", *content.TAG_FIELDS)


@login_required
def library(request):
    policies.require(request.user, "view", "content_asset")
    values = {k: "" for k in TEXTS}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = typed_input(AssetIn, request.POST).model_dump()
        try:
            asset = content.asset_create(
                actor=request.user,
                upload=request.FILES.get("file"),
                **{k: values[k] for k in TEXTS},
            )
        except InvalidInput as exc:
            errors, status = exc.errors, 422
        else:
            messages.success(request, f"{asset} added to the library.")
            return redirect("marketing:content")
    filters = content_selectors.AssetFilter.from_query(request.GET)
    return render(
        request,
        "marketing/content.html",
        {
            "assets": content_selectors.assets_for_user(user=request.user, filters=filters),
            "filters": filters,
            "tag_choices": content_selectors.asset_tag_choices(user=request.user),
            "kinds": AssetKind.choices,
            "can_create": policies.can(request.user, "create", "content_asset"),
            "outcomes": content_selectors.content_in_won_vs_lost()
            if policies.can(request.user, "create", "content_asset")
            else [],
            "values": values,
            "errors": errors,
            "section": "content",
        },
        status=status,
    )


@login_required
def asset_detail(request, asset_id: int):
    """One asset: what it is, where it fits, sharing it to a contact of a deal the user can
    see, and the two teams' conversation about it."""
    asset = content_selectors.asset_get_for_user(user=request.user, asset_id=asset_id)
    can_share = policies.can(request.user, "create", "touch")
    return render(
        request,
        "marketing/content_asset.html",
        {
            "asset": asset,
            "can_share": can_share,
            "targets": content_selectors.share_targets_for_user(user=request.user)
            if can_share
            else [],
            "next": request.get_full_path(),
            "section": "content",
        },
    )


@login_required
def deal_content(request, deal_id: int):
    """The library searched from a deal, each asset ready to share with the deal's people:
    the deal panel's results (htmx) or, without JavaScript, a page of its own."""
    deal = deal_get_for_user(user=request.user, deal_id=deal_id)
    policies.require(request.user, "view", "content_asset")
    filters = content_selectors.AssetFilter.from_query(request.GET)
    context = {
        "deal": deal,
        "assets": content_selectors.assets_for_user(user=request.user, filters=filters)[:50],
        "filters": filters,
        "is_search": True,
        "contacts": content_selectors.deal_share_contacts(deal=deal),
        "can_share": policies.can(request.user, "create", "touch"),
        "tag_choices": content_selectors.asset_tag_choices(user=request.user),
        "kinds": AssetKind.choices,
        "next": reverse("sales:deal", args=[deal.pk]),
        "section": "sales",
    }
    if not request.htmx:
        template = "marketing/deal_content.html"
    elif request.GET.get("part") == "search":  # the panel's link asks for the search form
        template = "marketing/_deal_content_search.html"
    else:
        template = "marketing/_deal_content_results.html"
    return render(request, template, context)


@login_required
def asset_file(request, asset_id: int):
    asset = content_selectors.asset_get_for_user(user=request.user, asset_id=asset_id)
    return _deliver(asset)


def _deliver(asset: ContentAsset):
    if asset.link:
        return redirect(asset.link)
    if not asset.file_path:
        raise Http404("This asset has no file")
    try:
        handle = content.storage().open(asset.file_path, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the data folder") from None
    return FileResponse(handle, as_attachment=False, filename=asset.file_name)


@login_required
@require_POST
def asset_share(request, asset_id: int):
    asset = content_selectors.asset_get_for_user(user=request.user, asset_id=asset_id)
    deal = None
    # From the asset page one choice names both: "<deal id>:<contact id>".
    chosen = typed_input(AssetShareIn, request.POST)
    deal_id, _, contact_id = chosen.target.partition(":")
    deal_id = chosen.deal or deal_id
    contact_id = chosen.contact or contact_id
    if deal_id:
        try:
            deal = deal_get_for_user(user=request.user, deal_id=int(deal_id))
        except ValueError:
            raise Http404("No such deal") from None
    back = chosen.next
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("marketing:content")
    try:
        contact = contact_get_for_user(user=request.user, contact_id=int(contact_id))
        share = content.asset_share(actor=request.user, asset=asset, contact=contact, deal=deal)
    except ValueError:
        messages.error(request, "Choose the contact to share with.")
        return redirect(back)
    except InvalidInput as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect(back)
    link = request.build_absolute_uri(reverse("content_view", args=[content.share_token(share)]))
    messages.success(request, f"Send {contact} this tracked link to “{asset}”: {link}")
    return redirect(back)


def shared_view(request, token: str):
    """The tracked link a contact opens: the view is a touch, then the asset is shown."""
    try:
        share = content.share_view(token=token)
    except InvalidInput as exc:
        return render(
            request, "marketing/link_problem.html", {"problem": exc.errors["token"]}, status=404
        )
    return _deliver(share.asset)
