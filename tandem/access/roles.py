"""The roles a Tandem user can hold, and which team kind each belongs to."""

from django.db import models


class Role(models.TextChoices):
    MARKETER = "marketer", "Marketer"
    MARKETING_MANAGER = "marketing_manager", "Marketing manager"
    SALES_REP = "sales_rep", "Sales rep"
    SALES_MANAGER = "sales_manager", "Sales manager"
    LEADERSHIP = "leadership", "Leadership"
    ADMIN = "admin", "Admin"
    EMPLOYEE = "employee", "Employee"


MARKETING_ROLES = frozenset({Role.MARKETER, Role.MARKETING_MANAGER})
SALES_ROLES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})
MANAGER_ROLES = frozenset({Role.MARKETING_MANAGER, Role.SALES_MANAGER})


class TeamKind(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    LEADERSHIP = "leadership", "Leadership"
    OTHER = "other", "Other"
