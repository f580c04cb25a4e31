"""Adding a contact by hand through the UI."""

from django.test import Client

from tandem.people.models import Contact


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_marketer_adds_a_contact_to_the_company_of_their_domain(cast):
    response = _client(cast.marketer).post(
        "/contacts/new/",
        {"email": " Lee@Bolt.test", "first_name": "Lee", "title": "CTO", "company": "Bolt"},
    )

    contact = Contact.objects.get(email="lee@bolt.test")
    assert response.status_code == 302 and response.url == f"/contacts/{contact.pk}/"
    assert (contact.account.name, contact.account.domain) == ("Bolt", "bolt.test")


def test_duplicate_email_is_refused_naming_the_field(cast):
    _client(cast.marketer).post("/contacts/new/", {"email": "lee@bolt.test"})

    response = _client(cast.marketer).post("/contacts/new/", {"email": "LEE@bolt.test"})

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Contact.objects.count() == 1


def test_leadership_cannot_add_contacts(cast):
    response = _client(cast.leadership).post("/contacts/new/", {"email": "x@bolt.test"})

    assert response.status_code == 403
    assert not Contact.objects.exists()
