"""One error format, naming each bad field; bad input stores nothing."""

import pytest

from tandem.audit.models import AuditEntry
from tandem.handoff import services as handoff
from tandem.handoff.models import Lead
from tandem.marketing.models import FormSubmission
from tandem.people.models import Account, Contact, LifecycleMove, Touch
from tandem.sales.models import Deal, DealStageMove
from tests.api.conftest import fields_of

STORED = (Account, Contact, Touch, LifecycleMove, FormSubmission, Lead, Deal, DealStageMove)


def _stored() -> dict[str, int]:
    counts = {m.__name__: m.objects.count() for m in STORED}
    counts["AuditEntry"] = AuditEntry.objects.count()
    counts["open deals"] = Deal.objects.filter(stage__outcome="open").count()
    counts["waiting leads"] = Lead.objects.filter(status="waiting").count()
    return counts


@pytest.fixture
def scene(cast, mql, submit):
    """Ann's hand-off accepted (she is an opportunity, with an open deal), and Bo waiting."""
    deal = handoff.lead_accept(actor=cast.sales_rep, lead=mql)
    submit(email="bo@bolt.test", company="Bolt")
    return {
        "contact": deal.contact_id,
        "deal": deal.pk,
        "lead": Lead.objects.get(contact__email="bo@bolt.test").pk,
    }


LONG = "x" * 101
CASES = [
    # contacts
    ("sales_rep", "post", "/contacts", {}, ["email"], "contact-missing-email"),
    ("sales_rep", "post", "/contacts", {"email": "not-an-address"}, ["email"], "contact-bad-email"),
    ("sales_rep", "post", "/contacts", {"email": 42}, ["email"], "contact-email-not-text"),
    ("sales_rep", "post", "/contacts", {"email": "ANN@acme.test"}, ["email"], "contact-dupe"),
    (
        "sales_rep",
        "post",
        "/contacts",
        {"email": "x@y.test", "first_name": LONG},
        ["first_name"],
        "contact-long-name",
    ),
    (
        "sales_rep",
        "post",
        "/contacts",
        {"first_name": 5, "title": LONG * 2},
        ["email", "first_name", "title"],
        "contact-three-bad-fields",
    ),
    (
        "sales_rep",
        "post",
        "/contacts",
        {"email": "x@y.test", "audience_types": ["alien"]},
        ["audience_types"],
        "contact-bad-audience",
    ),
    (
        "sales_rep",
        "post",
        "/contacts",
        {"email": "x@y.test", "account_id": 999999},
        ["account_id"],
        "contact-unknown-account",
    ),
    ("marketer", "patch", "/contacts/{contact}", {"email": "nope"}, ["email"], "contact-patch"),
    # accounts
    ("sales_rep", "post", "/accounts", {}, ["name"], "account-missing-name"),
    (
        "sales_rep",
        "post",
        "/accounts",
        {"name": "Bolt", "size_band": "huge"},
        ["size_band"],
        "account-bad-size",
    ),
    # touches
    ("employee", "post", "/touches", {}, ["contact_id", "kind"], "touch-missing-fields"),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": "abc", "kind": "call"},
        ["contact_id"],
        "touch-contact-not-a-number",
    ),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": 999999, "kind": "call"},
        ["contact_id"],
        "touch-unknown-contact",
    ),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": "{contact}", "kind": "hug"},
        ["kind"],
        "touch-bad-kind",
    ),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": "{contact}", "kind": "call", "sentiment": "ecstatic"},
        ["sentiment"],
        "touch-bad-sentiment",
    ),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": "{contact}", "kind": "call", "occurred_at": "yesterday"},
        ["occurred_at"],
        "touch-bad-time",
    ),
    (
        "employee",
        "post",
        "/touches",
        {"contact_id": "{contact}", "kind": "call", "campaign_id": 999999},
        ["campaign_id"],
        "touch-unknown-campaign",
    ),
    # form submissions
    ("marketer", "post", "/forms/demo/submissions", {}, ["email"], "form-missing-email"),
    (
        "marketer",
        "post",
        "/forms/demo/submissions",
        {"email": "nope"},
        ["email"],
        "form-bad-email",
    ),
    (
        "marketer",
        "post",
        "/forms/demo/submissions",
        {"email": "cy@corp.test", "first_name": LONG},
        ["first_name"],
        "form-long-name",
    ),
    (
        "marketer",
        "post",
        "/forms/demo/submissions",
        {"email": "cy@corp.test", "consent": "maybe"},
        ["consent"],
        "form-bad-consent",
    ),
    # lifecycle moves
    ("marketer", "post", "/contacts/{contact}/lifecycle-moves", {}, ["to_stage"], "move-missing"),
    (
        "marketer",
        "post",
        "/contacts/{contact}/lifecycle-moves",
        {"to_stage": "superstar"},
        ["to_stage"],
        "move-unknown-stage",
    ),
    (
        "marketer",
        "post",
        "/contacts/{contact}/lifecycle-moves",
        {"to_stage": "lead"},
        ["to_stage"],
        "move-backward",
    ),
    (
        "marketer",
        "post",
        "/contacts/{contact}/lifecycle-moves",
        {"to_stage": "recycled"},
        ["to_stage"],
        "move-recycle-without-reason",
    ),
    # deals
    ("sales_rep", "post", "/deals", {}, ["name"], "deal-missing-name"),
    ("sales_rep", "post", "/deals", {"name": ""}, ["name"], "deal-empty-name"),
    ("sales_rep", "post", "/deals", {"name": "X", "amount": "lots"}, ["amount"], "deal-amount"),
    ("sales_rep", "post", "/deals", {"name": "X", "amount": -5}, ["amount"], "deal-negative"),
    (
        "sales_rep",
        "post",
        "/deals",
        {"name": "X", "expected_close_on": "soon"},
        ["expected_close_on"],
        "deal-bad-date",
    ),
    (
        "sales_rep",
        "post",
        "/deals",
        {"name": "X", "contact_id": 999999},
        ["contact_id"],
        "deal-unknown-contact",
    ),
    (
        "sales_rep",
        "patch",
        "/deals/{deal}",
        {"stage_id": 999999},
        ["stage_id"],
        "deal-unknown-stage",
    ),
    (
        "sales_rep",
        "patch",
        "/deals/{deal}",
        {"private_notes": "x" * 20001},
        ["private_notes"],
        "deal-notes-too-long",
    ),
    ("sales_rep", "post", "/deals/{deal}/win", {"amount": 0}, ["amount"], "deal-win-zero"),
    ("sales_rep", "post", "/deals/{deal}/lose", {}, ["reason"], "deal-lose-no-reason"),
    (
        "sales_rep",
        "post",
        "/deals/{deal}/lose",
        {"reason": "vibes"},
        ["reason"],
        "deal-lose-bad-reason",
    ),
    # leads
    ("sales_rep", "post", "/leads/{lead}/reject", {"reason": "meh"}, ["reason"], "lead-reason"),
]


def _fill(body: dict, scene: dict) -> dict:
    """The body with placeholders such as "{contact}" replaced by the scene's ids."""
    return {k: scene[v[1:-1]] if v in ("{contact}", "{deal}") else v for k, v in body.items()}


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "fields"),
    [pytest.param(*case[:5], id=case[5]) for case in CASES],
)
def test_bad_input_names_each_bad_field_and_stores_nothing(
    api, scene, role, method, path, body, fields
):
    client = api(role)  # the token is issued (and audited) before counting
    before = _stored()

    response = getattr(client, method)(path.format(**scene), _fill(body, scene))

    assert response.status_code == 422, response.content
    assert fields_of(response) == fields
    assert all(isinstance(e["message"], str) and e["message"] for e in response.json()["errors"])
    assert _stored() == before


def test_a_backward_move_with_a_reason_is_allowed(api, scene):
    response = api("marketer").post(
        f"/contacts/{scene['contact']}/lifecycle-moves",
        {"to_stage": "recycled", "reason": "went quiet"},
    )

    assert response.status_code == 201
    assert (response.json()["from_stage"], response.json()["to_stage"]) == (
        "opportunity",
        "recycled",
    )


def test_a_body_that_is_not_json_is_400_in_the_error_format(api, scene):
    rep = api("sales_rep")
    before = _stored()

    response = rep.post("/contacts", "{not json")

    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": "", "message": "Cannot parse request body"}]}
    assert _stored() == before


def test_an_oversized_body_is_refused_with_413_in_the_error_format(api, scene, settings):
    rep = api("sales_rep")
    before = _stored()
    body = {"email": "big@bolt.test", "title": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}

    response = rep.post("/contacts", body)

    assert response.status_code == 413
    assert response.json() == {
        "errors": [{"field": "", "message": "the request body is over 256 KB"}]
    }
    assert _stored() == before


def test_refusals_and_missing_records_use_the_same_format(api, scene):
    forbidden = api("marketer").patch(f"/deals/{scene['deal']}", {"private_notes": "mine now"})
    missing = api("marketer").get("/deals/999999")

    assert forbidden.status_code == 403
    assert fields_of(forbidden) == [""]
    assert "may not" in forbidden.json()["errors"][0]["message"]
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"field": "", "message": "No such deal"}]}
