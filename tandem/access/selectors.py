"""Reads of people who sign in, their teams and tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.access.models import ApiToken, Team, User
from tandem.access.roles import SALES_ROLES, Role


def tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The API tokens a user holds (each sees only their own)."""
    return ApiToken.objects.filter(user=user)


def team_get(*, team_id: int) -> Team:
    """The team with this id; 404 when there is none."""
    return get_object_or_404(Team, pk=team_id)


def team_find(*, team_id: int | None) -> Team | None:
    """The team with this id, or None when there is none (or no id)."""
    if not team_id:
        return None
    return Team.objects.filter(pk=team_id).first()


def sales_teams() -> QuerySet[Team]:
    """The sales teams, which quotas are set for."""
    return Team.objects.filter(kind="sales")


def user_get(*, user_id: int) -> User:
    """The user with this id; 404 when there is none."""
    return get_object_or_404(User, pk=user_id)


def sales_reps_active() -> QuerySet[User]:
    """Active sales reps, who quotas are set for."""
    return User.objects.filter(role=Role.SALES_REP, is_active=True)


def sales_people_active() -> QuerySet[User]:
    """Active people in a sales role, who may own a deal."""
    return User.objects.filter(role__in=SALES_ROLES, is_active=True)


def users_active() -> QuerySet[User]:
    """Everyone who may still sign in (an import's owners are matched among them)."""
    return User.objects.filter(is_active=True)
