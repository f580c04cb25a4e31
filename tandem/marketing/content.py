"""The content library: marketing's assets for sales, shared through tracked (signed) links.

Every share and every view is a touch on the contact, so reports can tell which content was
used in deals that were won and deals that were lost.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.handoff import services as handoff
from tandem.marketing.models import AssetKind, ContentAsset, ContentShare, ContentView
from tandem.people.models import Channel, Contact, TouchKind

SHARE_SALT = "tandem.marketing.content-share"
TAG_FIELDS = ("stages", "personas", "verticals", "products")
MAX_FILE_BYTES = 50 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".pptx",
        ".ppt",
        ".key",
        ".docx",
        ".doc",
        ".xlsx",
        ".png",
        ".jpg",
        ".jpeg",
        ".mp4",
        ".webm",
        ".txt",
        ".md",
    }
)


def storage() -> FileSystemStorage:
    """Uploaded assets live in the data folder, next to the database, served only by Tandem."""
    return FileSystemStorage(location=settings.DATA_DIR / "content")


def _tags(raw: Any, field: str, errors: dict[str, str]) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(t, str) for t in items):
        errors[field] = "give tags as text, separated by commas"
        return []
    tags: list[str] = []
    for tag in (t.strip() for t in items):
        if not tag:
            continue
        if len(tag) > 60:
            errors[field] = f"'{tag[:20]}…' is longer than 60 characters"
        elif tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > 20:
        errors[field] = "at most 20 tags"
    return tags


def asset_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    description: str = "",
    upload: UploadedFile | None = None,
    link: str = "",
    via: str = "ui",
    **tags: Any,
) -> ContentAsset:
    """Add an asset: an uploaded file (kept in the data folder) or a link, with free tags by
    stage, persona, vertical and product."""
    policies.require(actor, "create", "content_asset")
    errors: dict[str, str] = {}
    unknown = set(tags) - set(TAG_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "is not a tag field")
    title = (title or "").strip()
    if not title:
        errors["title"] = "an asset needs a title"
    elif len(title) > 200:
        errors["title"] = "must be at most 200 characters"
    if kind not in AssetKind.values:
        errors["kind"] = f"use one of {', '.join(AssetKind.values)}"
    link = (link or "").strip()
    if upload is None and not link:
        errors["file"] = "upload a file or give a link"
    elif upload is not None and link:
        errors["link"] = "give a file or a link, not both"
    elif link:
        from django.core.exceptions import ValidationError
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = "give a full web address starting with https://"
    if upload is not None:
        extension = os.path.splitext(upload.name or "")[1].lower()
        if extension not in ALLOWED_EXTENSIONS:
            errors["file"] = f"files of type '{extension or 'none'}' are not taken"
        elif upload.size and upload.size > MAX_FILE_BYTES:
            errors["file"] = "the file is over 50 MB"
    clean_tags = {f: _tags(tags.get(f), f, errors) for f in TAG_FIELDS}
    if errors:
        raise InvalidInput(errors)
    path = name = ""
    if upload is not None:
        name = get_valid_filename(os.path.basename(upload.name or "asset"))[:200]
        path = storage().save(f"{timezone.now():%Y/%m}/{name}", upload)
    asset = ContentAsset.objects.create(
        title=title,
        kind=kind,
        description=(description or "").strip(),
        link=link,
        file_path=path,
        file_name=name,
        owner=actor,
        **clean_tags,
    )
    audit.record_created(actor=actor, obj=asset, via=via)
    return asset


def share_token(share: ContentShare) -> str:
    return signing.Signer(salt=SHARE_SALT).sign(str(share.pk))


def asset_share(
    *, actor: Any, asset: ContentAsset, contact: Contact, deal: Any = None, via: str = "ui"
) -> ContentShare:
    """A rep (or marketer) shares an asset with a contact: a tracked link to send, and a touch
    on the contact's timeline."""
    policies.require(actor, "view", "content_asset", asset)
    policies.require(actor, "create", "touch")
    if deal is not None and deal.contact_id != contact.pk and deal.account_id != contact.account_id:
        raise InvalidInput.field("contact", "this contact is not on that deal")
    with transaction.atomic():
        touch = handoff.touch_log(
            contact=contact,
            kind=TouchKind.NOTE,
            channel=Channel.SALES if getattr(actor, "is_sales", False) else Channel.CONTENT,
            actor=actor,
            summary=f"Shared {asset.get_kind_display().lower()} “{asset.title}”",
            via=via,
        )
        share = ContentShare.objects.create(
            asset=asset,
            contact=contact,
            deal=deal,
            shared_by=actor,
            shared_at=touch.occurred_at,
            touch=touch,
        )
        audit.record_created(actor=actor, obj=share, via=via)
    return share


def share_view(*, token: str) -> ContentShare:
    """The contact opened a shared link: count it and record the view as a touch."""
    try:
        share_id = int(signing.Signer(salt=SHARE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise InvalidInput.field("token", "this link is not valid") from None
    share = ContentShare.objects.select_related("asset", "contact").filter(pk=share_id).first()
    if share is None:
        raise InvalidInput.field("token", "this link is not valid")
    with transaction.atomic():
        touch = handoff.touch_log(
            contact=share.contact,
            kind=TouchKind.PAGE_VISIT,
            channel=Channel.CONTENT,
            summary=f"Viewed “{share.asset.title}”",
            via="content",
        )
        ContentView.objects.create(share=share, touch=touch, viewed_at=touch.occurred_at)
        ContentShare.objects.filter(pk=share.pk).update(
            view_count=F("view_count") + 1, last_viewed_at=touch.occurred_at
        )
    return share


def asset_update(
    *, actor: Any, asset: ContentAsset, via: str = "ui", **fields: Any
) -> ContentAsset:
    """Retitle, redescribe or retag an asset; its file or link stays."""
    policies.require(actor, "change", "content_asset", asset)
    unknown = set(fields) - {"title", "description", *TAG_FIELDS}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "cannot be changed")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {f: _tags(fields[f], f, errors) for f in TAG_FIELDS if f in fields}
    if "title" in fields:
        values["title"] = str(fields["title"] or "").strip()
        if not values["title"]:
            errors["title"] = "an asset needs a title"
        elif len(values["title"]) > 200:
            errors["title"] = "must be at most 200 characters"
    if "description" in fields:
        values["description"] = str(fields["description"] or "").strip()
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(asset)
    for key, value in values.items():
        setattr(asset, key, value)
    asset.save()
    audit.record_updated(actor=actor, obj=asset, before=before, via=via)
    return asset


def asset_delete(*, actor: Any, asset: ContentAsset, via: str = "ui") -> None:
    """Delete an asset and its file; the touches its shares and views made stay."""
    policies.require(actor, "delete", "content_asset", asset)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=asset, via=via)
        path = asset.file_path
        asset.delete()
        if path:
            transaction.on_commit(lambda: storage().delete(path))
