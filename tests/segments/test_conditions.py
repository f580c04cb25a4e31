"""Each registered condition type selects exactly the contacts it says."""

from __future__ import annotations

import pytest

from tandem.errors import InvalidInput
from tandem.segments.conditions import CONDITIONS, EvalContext, matching_contacts, parse_rule
from tests.segments.conftest import NOW


def names(rule) -> list[str]:
    qs = matching_contacts(rule, EvalContext(now=NOW))
    return sorted(qs.values_list("first_name", flat=True))


def one(**condition) -> dict:
    return {"match": "all", "conditions": [condition]}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"field": "title", "op": "contains", "value": "vp"}, ["Ann"], id="contains"),
        pytest.param(
            {"field": "title", "op": "equals", "value": "ENGINEER"}, ["Dee"], id="equals-any-case"
        ),
        pytest.param(
            {"field": "title", "op": "not_equals", "value": "Engineer"},
            ["Ann", "Bob", "Cy"],
            id="not-equals",
        ),
        pytest.param(
            {"field": "email", "op": "ends_with", "value": "@acme.test"},
            ["Ann", "Dee"],
            id="ends-with",
        ),
        pytest.param(
            {"field": "first_name", "op": "starts_with", "value": "b"}, ["Bob"], id="starts-with"
        ),
        pytest.param({"field": "title", "op": "is_empty"}, ["Cy"], id="is-empty"),
        pytest.param(
            {"field": "title", "op": "is_not_empty"}, ["Ann", "Bob", "Dee"], id="is-not-empty"
        ),
        pytest.param(
            {"field": "title", "op": "not_contains", "value": "manager"},
            ["Ann", "Cy", "Dee"],
            id="not-contains",
        ),
    ],
)
def test_contact_field(crowd, condition, expected):
    assert names(one(type="contact_field", **condition)) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param(
            {"field": "industry", "op": "equals", "value": "manufacturing"},
            ["Ann", "Dee"],
            id="equals",
        ),
        pytest.param(
            {"field": "industry", "op": "not_equals", "value": "Manufacturing"},
            ["Bob", "Cy"],
            id="not-equals-includes-no-account",
        ),
        pytest.param(
            {"field": "size_band", "op": "equals", "value": "10-49"}, ["Bob"], id="size-band"
        ),
        pytest.param({"field": "name", "op": "is_empty"}, ["Cy"], id="no-account-is-empty"),
        pytest.param(
            {"field": "domain", "op": "is_not_empty"}, ["Ann", "Bob", "Dee"], id="is-not-empty"
        ),
    ],
)
def test_account_field(crowd, condition, expected):
    assert names(one(type="account_field", **condition)) == expected


@pytest.mark.parametrize(
    ("op", "values", "expected"),
    [
        ("any_of", ["customer", "competitor"], ["Ann", "Cy"]),
        ("all_of", ["prospect", "customer"], ["Ann"]),
        ("none_of", ["prospect"], ["Cy", "Dee"]),
    ],
)
def test_audience(crowd, op, values, expected):
    assert names(one(type="audience", op=op, values=values)) == expected


def test_lifecycle_stage(crowd):
    assert names(one(type="lifecycle_stage", op="in", values=["mql", "lead"])) == ["Ann", "Bob"]
    assert names(one(type="lifecycle_stage", op="not_in", values=["subscriber"])) == [
        "Ann",
        "Bob",
        "Dee",
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"op": "gte", "value": 45}, ["Ann", "Dee"]),
        ({"op": "gt", "value": 45}, ["Ann"]),
        ({"op": "lt", "value": 20}, ["Cy"]),
        ({"op": "lte", "value": 20}, ["Bob", "Cy"]),
        ({"op": "eq", "value": 0}, ["Cy"]),
        ({"op": "between", "value": 20, "value2": 45}, ["Bob", "Dee"]),
    ],
)
def test_score(crowd, condition, expected):
    assert names(one(type="score", **condition)) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("granted", ["Ann"]),
        ("not_granted", ["Bob", "Cy", "Dee"]),
        ("refused", ["Bob"]),
        ("unknown", ["Cy", "Dee"]),
    ],
)
def test_consent(crowd, state, expected):
    assert names(one(type="consent", channel="email", state=state)) == expected


def test_owner(crowd, cast):
    assert names(one(type="owner", op="is", users=[cast.sales_rep.pk])) == ["Ann"]
    assert names(one(type="owner", op="is_not", users=[cast.sales_rep.pk])) == ["Bob", "Cy", "Dee"]
    assert names(one(type="owner", op="is_empty")) == ["Bob", "Cy"]
    assert names(one(type="owner", op="is_not_empty")) == ["Ann", "Dee"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"action": "opened_email"}, ["Ann"], id="ever"),
        pytest.param({"action": "opened_email", "at_least": 4}, ["Ann"], id="four-ever"),
        pytest.param(
            {"action": "opened_email", "at_least": 4, "within_days": 30}, [], id="four-in-30-days"
        ),
        pytest.param(
            {"action": "opened_email", "at_least": 3, "within_days": 30},
            ["Ann"],
            id="three-in-30-days",
        ),
        pytest.param({"action": "opened_email", "within_days": 3}, ["Ann"], id="window"),
        pytest.param({"action": "visited_page", "within_days": 30}, [], id="visit-too-old"),
        pytest.param({"action": "visited_page", "within_days": 41}, ["Bob"], id="visit-in-window"),
        pytest.param({"action": "any_touch", "within_days": 4}, ["Ann", "Dee"], id="any-touch"),
    ],
)
def test_behaviour(crowd, condition, expected):
    assert names(one(type="behaviour", **condition)) == expected


def test_behaviour_names_a_campaign_and_a_form(crowd):
    assert names(one(type="behaviour", action="attended_event", campaign=crowd.event.pk)) == ["Dee"]
    assert names(one(type="behaviour", action="attended_event", campaign=crowd.campaign.pk)) == []
    assert names(one(type="behaviour", action="submitted_form", form=crowd.form.pk)) == ["Bob"]
    assert (
        names(one(type="behaviour", action="submitted_form", form=crowd.form.pk, within_days=7))
        == []
    )


def test_nested_groups(crowd):
    rule = {
        "match": "any",
        "conditions": [
            {
                "match": "all",
                "conditions": [
                    {
                        "type": "account_field",
                        "field": "industry",
                        "op": "equals",
                        "value": "Manufacturing",
                    },
                    {"type": "score", "op": "gte", "value": 50},
                ],
            },
            {
                "match": "all",
                "conditions": [
                    {"type": "audience", "op": "any_of", "values": ["competitor"]},
                    {
                        "match": "any",
                        "conditions": [
                            {"type": "score", "op": "eq", "value": 0},
                            {"type": "consent", "channel": "email", "state": "granted"},
                        ],
                    },
                ],
            },
        ],
    }
    assert names(rule) == ["Ann", "Cy"]


def test_every_registered_type_declares_its_parameters():
    assert sorted(CONDITIONS) == [
        "account_field",
        "audience",
        "behaviour",
        "consent",
        "contact_field",
        "custom_field",
        "lifecycle_stage",
        "owner",
        "score",
        "segment",
    ]
    for cls in CONDITIONS.values():
        assert cls.params and cls.label


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        pytest.param([], "rule", "a rule is an object", id="not-an-object"),
        pytest.param(
            {"match": "all", "conditions": []},
            "rule.conditions",
            "add at least one condition",
            id="empty",
        ),
        pytest.param(
            {"match": "some", "conditions": [{"type": "score"}]},
            "rule.match",
            "use “all” or “any”",
            id="bad-match",
        ),
        pytest.param(
            one(type="zodiac"),
            "rule.conditions[0].type",
            "unknown condition type 'zodiac'",
            id="unknown-type",
        ),
        pytest.param(
            one(type="score", op="gte", value="lots"),
            "rule.conditions[0].value",
            "'lots' is not a whole number",
            id="bad-number",
        ),
        pytest.param(
            one(type="contact_field", field="salary", op="equals", value="x"),
            "rule.conditions[0].field",
            "'salary' is not one of",
            id="bad-field",
        ),
        pytest.param(
            one(type="contact_field", field="title", op="equals"),
            "rule.conditions[0].value",
            "a value is required",
            id="missing-value",
        ),
        pytest.param(
            one(type="audience", op="any_of", values=["aliens"]),
            "rule.conditions[0].values",
            "'aliens' is not one of",
            id="bad-audience",
        ),
        pytest.param(
            one(type="score", op="between", value=50, value2=10),
            "rule.conditions[0].value2",
            "must not be below",
            id="bad-between",
        ),
        pytest.param(
            one(type="owner", op="is", users=[999999]),
            "rule.conditions[0].users",
            "there is no user 999999",
            id="unknown-user",
        ),
        pytest.param(
            one(type="segment", op="in", segment=999999),
            "rule.conditions[0].segment",
            "there is no segment 999999",
            id="unknown-segment",
        ),
        pytest.param(
            one(type="behaviour", action="opened_email", form=1),
            "rule.conditions[0].form",
            "only to “submitted a form”",
            id="form-on-open",
        ),
        pytest.param(
            one(type="behaviour", action="submitted_form", form=999999),
            "rule.conditions[0].form",
            "there is no form 999999",
            id="unknown-form",
        ),
        pytest.param(
            {
                "match": "all",
                "conditions": [
                    {"type": "score", "op": "gte", "value": 1},
                    {"type": "behaviour", "action": "opened_email", "within_days": 0},
                ],
            },
            "rule.conditions[1].within_days",
            "must be at least 1",
            id="second-condition-days",
        ),
        pytest.param(
            {
                "match": "all",
                "conditions": [
                    {"match": "any", "conditions": [{"type": "behaviour", "action": "x"}]}
                ],
            },
            "rule.conditions[0].conditions[0].action",
            "'x' is not one of",
            id="nested-path",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_path(db, rule, path, message):
    with pytest.raises(InvalidInput) as refused:
        parse_rule(rule)
    assert list(refused.value.errors) == [path]
    assert message in refused.value.errors[path]


def test_groups_nest_at_most_five_deep(db):
    rule: dict = {"type": "score", "op": "gte", "value": 1}
    for _ in range(6):
        rule = {"match": "all", "conditions": [rule]}
    with pytest.raises(InvalidInput) as refused:
        parse_rule(rule)
    assert "nest at most 5 deep" in next(iter(refused.value.errors.values()))
