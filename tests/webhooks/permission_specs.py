"""The webhook rows of the permission-matrix test (``tests/access/test_permissions.py``).

Endpoints are company set-up: no owner, all or nothing, administrators only. Each cell is
tried through the real services and selectors.
"""

from __future__ import annotations

from typing import Any

from tandem.webhooks import selectors, services
from tandem.webhooks.models import Endpoint
from tandem.webhooks.schemas import EndpointIn

# A public address written as a literal: saving it resolves nothing over the network.
URL = "https://93.184.215.14/hooks/tandem"


def webhook_specs(Spec: Any) -> dict[tuple[str, str], Any]:  # noqa: N803 — a class
    def an_endpoint(w, owner=None) -> Endpoint:
        return services.endpoint_create(
            actor=w.cast.admin, data=EndpointIn(url=URL, events=["deal.won"])
        )

    def changed(w, a, r) -> bool:
        return Endpoint.objects.get(pk=r.pk).events == ["deal.lost", "deal.won"]

    data = EndpointIn(url=URL, events=["deal.won", "deal.lost"])
    return {
        ("webhook", "view"): Spec(
            an_endpoint,
            lambda w, a, r: selectors.endpoint_get_for_user(a, r.pk),
            lambda w, a, r: selectors.endpoints_for_user(a).filter(pk=r.pk).exists(),
            whose=("any",),
        ),
        ("webhook", "create"): Spec(
            lambda w, owner: None,
            lambda w, a, _: services.endpoint_create(
                actor=a, data=EndpointIn(url=URL + "/new", events=["deal.won"])
            ),
            lambda w, a, _: Endpoint.objects.filter(url=URL + "/new").exists(),
            whose=("any",),
        ),
        ("webhook", "change"): Spec(
            an_endpoint,
            lambda w, a, r: services.endpoint_update(actor=a, endpoint=r, data=data),
            changed,
            whose=("any",),
        ),
        ("webhook", "delete"): Spec(
            an_endpoint,
            lambda w, a, r: services.endpoint_delete(actor=a, endpoint=r),
            lambda w, a, r: not Endpoint.objects.filter(pk=r.pk).exists(),
            whose=("any",),
        ),
    }
