"""What every page needs to draw the navigation for the signed-in user."""

from __future__ import annotations

from typing import Any

from tandem.access import policies


def workspace(request: Any) -> dict[str, Any]:
    """The workspaces the user may open (``nav``); collaboration adds the inbox and surveys."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "marketing": policies.can(user, "view", "marketing_home"),
            "sales": policies.can(user, "view", "sales_home"),
            "campaigns": policies.can(user, "view", "campaign"),
            "audit": policies.can(user, "view", "audit_log"),
            "imports": any(
                policies.can(user, "view", resource)
                for resource in ("contact_import", "account_import", "deal_import")
            ),
            "webhooks": policies.can(user, "view", "webhook"),
            "custom_fields": policies.can(user, "change", "custom_field"),
            "company_export": policies.can(user, "view", "company_export"),
            # The duplicates list, for roles that may see contacts' or accounts' duplicates.
            # No count beside it: finding them is a grouped scan per rule, too much for every
            # page (``people.duplicates``).
            "duplicates": policies.can(user, "view", "contact_merge")
            or policies.can(user, "view", "account_merge"),
        }
    }
