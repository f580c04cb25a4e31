"""Every table that points at a contact is known to the erase and to the export."""

from __future__ import annotations

from tandem.privacy.erase import contact_relations
from tandem.privacy.erasers import ERASERS
from tandem.privacy.export import EXCUSED, personal_data
from tests.factories import ContactFactory


def test_every_model_with_a_key_to_a_contact_has_an_eraser():
    labels = {model._meta.label for model, _ in contact_relations()}
    assert labels, "the relations to Contact were not found"
    missing = labels - set(ERASERS)
    assert not missing, (
        f"{sorted(missing)} point at people.Contact: say in tandem/privacy/erasers.py "
        "what erasing a person does to their rows"
    )
    assert not set(ERASERS) - labels, "ERASERS names a model that no longer points at Contact"


def test_every_model_with_a_key_to_a_contact_is_exported_or_excused(db):
    tables = personal_data(ContactFactory())["tables"]
    exported = {name.split(" ")[0] for name in tables}
    for model, _ in contact_relations():
        label = model._meta.label
        assert label in exported or label in EXCUSED, (
            f"{label} points at people.Contact but is neither exported nor in EXCUSED"
        )
    assert all(why.strip() for why in EXCUSED.values())
