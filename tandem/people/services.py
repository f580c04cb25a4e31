"""Use cases on accounts, contacts, consent, touches and lifecycle moves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.access import policies
from tandem.audit import events as audit
from tandem.errors import InvalidInput
from tandem.fields.field_services import custom_values_apply
from tandem.ops import rows
from tandem.people.business_events import contact_changed_event, contact_event
from tandem.people.consent import consent_record as consent_record  # its home; callers' name
from tandem.people.hooks import (
    INPUT_ACCOUNT,
    INPUT_CONTACT,
    contact_forgotten_announce,
    contacts_changed_announce,
)
from tandem.people.lifecycle import Stage, move_problem
from tandem.people.models import (
    AUDIENCE_BY_NAME,
    Account,
    Contact,
    EmailAlias,
    LifecycleMove,
    Sentiment,
    SizeBand,
    Touch,
)
from tandem.people.selectors import FREE_MAIL_DOMAINS

CONTACT_FIELDS = ("first_name", "last_name", "phone", "title")
ACCOUNT_FIELDS = ("name", "domain", "industry", "size_band", "region")


def email_normalise(raw: Any, field: str = "email") -> str:
    """The address trimmed and lower-cased, or ``InvalidInput`` naming ``field``."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput.field(field, "an email address is required")
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput.field(field, f"'{raw.strip()}' is not a valid email address") from None
    return email


def audience_flags_from(names: list[str]) -> int:
    unknown = [n for n in names if n.lower() not in AUDIENCE_BY_NAME]
    if unknown:
        raise InvalidInput.field(
            "audience_types",
            f"unknown audience type {unknown[0]!r}; use {', '.join(AUDIENCE_BY_NAME)}",
        )
    flags = 0
    for name in names:
        flags |= AUDIENCE_BY_NAME[name.lower()].value
    return flags


def _clean_text(fields: dict[str, Any], names: tuple[str, ...], limits: dict[str, int]) -> dict:
    cleaned: dict[str, str] = {}
    for name in names:
        if name not in fields or fields[name] is None:
            continue
        value = fields[name]
        if not isinstance(value, str):
            raise InvalidInput.field(name, "must be text")
        value = value.strip()
        if len(value) > limits.get(name, 200):
            raise InvalidInput.field(name, f"must be at most {limits.get(name, 200)} characters")
        cleaned[name] = value
    return cleaned


def _account_values(fields: dict[str, Any]) -> dict[str, str]:
    """The account fields given, trimmed and checked; the domain without ``www.``."""
    values = _clean_text(fields, ACCOUNT_FIELDS, {})
    if "name" in values and not values["name"]:
        raise InvalidInput.field("name", "an account needs a name")
    if values.get("size_band") and values["size_band"] not in SizeBand.values:
        raise InvalidInput.field("size_band", f"use one of {', '.join(SizeBand.values)}")
    if "domain" in values:
        values["domain"] = values["domain"].lower().removeprefix("www.")
    return values


def account_create(*, actor: Any, name: str, via: str = "ui", **fields: Any) -> Account:
    policies.require(actor, "create", "account")
    custom = custom_values_apply(entity="account", current={}, sent=fields.pop("custom", {}) or {})
    values = _account_values({"name": name, "domain": "", **fields})
    owner = fields.get("owner") or _owner_default(actor)
    account = Account.objects.create(owner=owner, custom=custom, **values)
    audit.record_created(actor=actor, obj=account, via=via)
    return account


def account_update(*, actor: Any, account: Account, via: str = "ui", **fields: Any) -> Account:
    policies.require(actor, "change", "account", account)
    sent = fields.pop("custom", None)
    values: dict[str, Any] = dict(_account_values(fields))
    if sent is not None:
        values["custom"] = custom_values_apply(entity="account", current=account.custom, sent=sent)
    before = audit.snapshot(account)
    for key, value in values.items():
        setattr(account, key, value)
    account.save()
    audit.record_updated(actor=actor, obj=account, before=before, via=via)
    contacts_changed_announce(account.contacts.values_list("pk", flat=True), inputs={INPUT_ACCOUNT})
    return account


def account_delete(*, actor: Any, account: Account, via: str = "ui") -> None:
    """Delete the account. Its contacts, touches and deals stay, no longer linked to it."""
    policies.require(actor, "delete", "account", account)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=account, via=via)
        account.delete()


def _owner_default(actor: Any) -> Any:
    return actor if getattr(actor, "is_sales", False) else None


def account_for_domain(*, domain: str, company_name: str = "") -> Account | None:
    """The account a new contact belongs to, matched by company email domain or created."""
    if domain in FREE_MAIL_DOMAINS and not company_name:
        return None
    if domain not in FREE_MAIL_DOMAINS:
        existing = Account.objects.filter(domain=domain).order_by("id").first()
        if existing:
            return existing
    name = company_name or domain.split(".")[0].capitalize()
    account = Account.objects.create(
        name=name, domain="" if domain in FREE_MAIL_DOMAINS else domain
    )
    audit.record_created(actor=None, obj=account, via="lead capture")
    return account


def contact_upsert(
    *,
    actor: Any,
    email: Any,
    via: str,
    fields: dict[str, Any] | None = None,
    company_name: str = "",
    audience_types: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> tuple[Contact, bool]:
    """The contact with this email, created or updated; the second value says if it is new.

    Blank incoming fields (and custom values) never wipe what is already known. An old address
    of a merged contact (``EmailAlias``) finds the contact it was merged into.
    """
    address = email_normalise(email)
    sent_custom = custom_values_apply(entity="contact", current={}, sent=custom or {})
    values = {k: v for k, v in _clean_text(fields or {}, CONTACT_FIELDS, {}).items() if v}
    flags = audience_flags_from(audience_types) if audience_types else None
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(email=address).first()
        if contact is None:
            # An address merged away lands on the contact it was merged into.
            aliased = Contact.objects.select_for_update().filter(email_aliases__email=address)
            contact = aliased.first()
        if contact is None:
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        email=address,
                        account=account_for_domain(
                            domain=address.split("@")[1], company_name=company_name.strip()
                        ),
                        audience_flags=flags or 1,
                        custom=sent_custom,
                        **values,
                    )
            except IntegrityError:
                # Two submissions for one new address raced; the other created it first.
                contact = Contact.objects.select_for_update().get(email=address)
            else:
                audit.record_created(actor=actor, obj=contact, via=via)
                contacts_changed_announce([contact.pk])
                contact_event("contact.created", contact)
                return contact, True
        before = audit.snapshot(contact)
        for key, value in values.items():
            setattr(contact, key, value)
        if flags:
            contact.audience_flags |= flags
        if sent_custom:
            contact.custom = {**contact.custom, **sent_custom}
        contact.save()
        audit.record_updated(actor=actor, obj=contact, before=before, via=via)
        contacts_changed_announce([contact.pk])
        contact_changed_event(contact, before)
        return contact, False


def _alias_refuse(address: str, contact: Contact | None = None) -> None:
    """An address merged into another contact names that contact: a second one may not take it."""
    alias = EmailAlias.objects.filter(email=address).exclude(contact=contact).first()
    if alias is not None:
        raise InvalidInput.field(
            "email",
            f"{address} was merged into contact #{alias.contact_id}, which it still reaches",
        )


def contact_create(*, actor: Any, email: Any, via: str = "ui", **fields: Any) -> Contact:
    policies.require(actor, "create", "contact")
    address = email_normalise(email)
    if Contact.objects.filter(email=address).exists():
        raise InvalidInput.field("email", f"a contact with {address} already exists")
    _alias_refuse(address)
    audience = fields.pop("audience_types", None)
    account = fields.pop("account", None)
    owner = fields.pop("owner", None) or _owner_default(actor)
    custom = custom_values_apply(entity="contact", current={}, sent=fields.pop("custom", {}) or {})
    values = _clean_text(fields, CONTACT_FIELDS, {})
    contact = Contact.objects.create(
        email=address,
        account=account,
        owner=owner,
        custom=custom,
        audience_flags=audience_flags_from(audience) if audience else 1,
        **values,
    )
    audit.record_created(actor=actor, obj=contact, via=via)
    contacts_changed_announce([contact.pk])
    contact_event("contact.created", contact)
    return contact


def contact_create_with_company(
    *, actor: Any, email: Any, company_name: str = "", via: str = "ui", **fields: Any
) -> Contact:
    """Create a contact, attaching them to the account of their company (found or created)."""
    policies.require(actor, "create", "contact")
    address = email_normalise(email)
    with transaction.atomic():
        account = None
        if company_name.strip() or address.split("@")[1] not in FREE_MAIL_DOMAINS:
            account = account_for_domain(
                domain=address.split("@")[1], company_name=company_name.strip()
            )
        return contact_create(actor=actor, email=address, via=via, account=account, **fields)


def contact_update(*, actor: Any, contact: Contact, via: str = "ui", **fields: Any) -> Contact:
    policies.require(actor, "change", "contact", contact)
    before = audit.snapshot(contact)
    if "email" in fields and fields["email"] is not None:
        address = email_normalise(fields.pop("email"))
        if Contact.objects.filter(email=address).exclude(pk=contact.pk).exists():
            raise InvalidInput.field("email", f"a contact with {address} already exists")
        _alias_refuse(address, contact=contact)
        # An old address of this very contact becomes its address again, no longer an alias.
        EmailAlias.objects.filter(email=address, contact=contact).delete()
        contact.email = address
    if fields.get("audience_types") is not None:
        contact.audience_flags = audience_flags_from(fields.pop("audience_types"))
    for key in ("account", "owner"):
        if key in fields:
            setattr(contact, key, fields.pop(key))
    sent = fields.pop("custom", None)
    if sent is not None:
        contact.custom = custom_values_apply(entity="contact", current=contact.custom, sent=sent)
    for key, value in _clean_text(fields, CONTACT_FIELDS, {}).items():
        setattr(contact, key, value)
    contact.save()
    audit.record_updated(actor=actor, obj=contact, before=before, via=via)
    contacts_changed_announce([contact.pk])
    contact_changed_event(contact, before)
    return contact


def contact_delete(*, actor: Any, contact: Contact, via: str = "ui") -> None:
    """Delete the contact with their touches, consents, lifecycle moves, hand-offs and form
    submissions. Their deals stay, no longer linked to them."""
    policies.require(actor, "delete", "contact", contact)
    with transaction.atomic():
        audit.record_deleted(actor=actor, obj=contact, via=via)
        contact_forgotten_announce(contact.pk)
        contact.delete()


def touch_update(
    *,
    actor: Any,
    touch: Touch,
    summary: str | None = None,
    sentiment: str | None = None,
    via: str = "ui",
) -> Touch:
    """Correct what was written about a touch; what happened and when stay as recorded."""
    policies.require(actor, "change", "touch", touch)
    if summary is not None and len(summary) > 2000:
        raise InvalidInput.field("summary", "must be at most 2000 characters")
    if sentiment and sentiment not in Sentiment.values:
        raise InvalidInput.field("sentiment", f"use one of {', '.join(Sentiment.values)}")
    before = audit.snapshot(touch)
    changed = []
    if summary is not None:
        touch.summary = summary.strip()
        changed.append("summary")
    if sentiment is not None:
        touch.sentiment = sentiment
        changed.append("sentiment")
    if changed:
        touch.save(update_fields=changed)
        audit.record_updated(actor=actor, obj=touch, before=before, via=via)
    return touch


def lifecycle_move(
    *,
    contact: Contact,
    to_stage: str,
    actor: Any = None,
    reason: str = "",
    campaign: Any = None,
    at: dt.datetime | None = None,
    via: str = "ui",
    unsaved: list[str] | None = None,
) -> LifecycleMove:
    """Move the contact to ``to_stage`` if the lifecycle allows it, and record the move.

    ``unsaved``: when given, the contact row is not written here: the names of the fields
    changed are added to the list, and the caller must write them before its transaction
    ends. A touch that moves a subscriber to lead, rescores and hands them off writes the
    contact once.
    """
    problem = move_problem(contact.lifecycle_stage, to_stage, reason or "")
    if problem:
        raise InvalidInput.field("to_stage", problem)
    when = at or timezone.now()
    move = rows.row_insert(
        LifecycleMove(
            contact=contact,
            from_stage=contact.lifecycle_stage,
            to_stage=to_stage,
            moved_at=when,
            moved_by=actor if getattr(actor, "is_authenticated", False) else None,
            reason=(reason or "")[:500],
            # By id: reading the campaign row just to point at it costs a query per move.
            campaign_id=campaign.pk if campaign is not None else contact.last_touch_campaign_id,
        )
    )
    changes: dict[str, list[Any]] = {
        "lifecycle_stage": [contact.lifecycle_stage, to_stage],
        "lifecycle_changed_at": [contact.lifecycle_changed_at, when],
    }
    contact.lifecycle_stage, contact.lifecycle_changed_at = to_stage, when
    fields = ["lifecycle_stage", "lifecycle_changed_at"]
    if unsaved is not None:
        unsaved.extend(fields)
    else:
        rows.row_update(contact, [*fields, "updated_at"])
    audit.record_changes(actor=actor, obj=contact, changes=changes, via=via)
    contacts_changed_announce([contact.pk], inputs={INPUT_CONTACT})
    contact_event(
        "contact.lifecycle_changed",
        contact,
        from_stage=move.from_stage,
        to_stage=to_stage,
        reason=move.reason,
        moved_at=when.isoformat(),
    )
    if to_stage == Stage.MQL:
        contact_event("contact.became_mql", contact, moved_at=when.isoformat())
    return move


def lifecycle_move_by_user(
    *, actor: Any, contact: Contact, to_stage: str, reason: str = "", via: str = "ui"
) -> LifecycleMove:
    """A person moves a contact by hand: they must be allowed to change it."""
    policies.require(actor, "change", "contact", contact)
    return lifecycle_move(contact=contact, to_stage=to_stage, actor=actor, reason=reason, via=via)


__all__ = ["Stage"]
