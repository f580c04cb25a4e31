"""Use cases on users, teams and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.access.models import ApiToken, Team, User, hash_token
from tandem.access.roles import Role, TeamKind
from tandem.audit import events as audit
from tandem.errors import InvalidInput


def team_get_or_create(*, name: str, kind: str = TeamKind.OTHER) -> Team:
    team, _ = Team.objects.get_or_create(name=name, defaults={"kind": kind})
    return team


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    team: Team | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor: Any = None,
    check_password: bool = True,
    via: str = "admin",
) -> User:
    if role not in Role.values:
        raise InvalidInput.field("role", f"use one of {', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise InvalidInput.field("username", f"{username!r} is taken")
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password:
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise InvalidInput.field("password", " ".join(exc.messages)) from None
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            team=team,
            # Only admins reach Django's admin site for users, teams, pipelines and forms.
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        audit.record_created(actor=actor, obj=user, via=via)
    return user


def token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``. The raw token is returned once and never stored."""
    if not name.strip():
        raise InvalidInput.field("name", "give the token a name, e.g. 'website integration'")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], key_prefix=raw[:10], key_hash=hash_token(raw)
    )
    audit.record_created(actor=user, obj=token, via="ui")
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise InvalidInput.field("token", "no such active token")
    before = audit.snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record_updated(actor=user, obj=token, before=before, via="ui")


def token_authenticate(raw: str) -> User | None:
    """The active user owning this token, or None."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
