"""Signed survey links: one contact's link to one survey, which cannot be forged or altered.

Apart from the services so that the invitation task (which the services enqueue) can sign a
link without importing them back.
"""

from __future__ import annotations

from django.core import signing

from tandem.collaboration.models import Survey
from tandem.people.models import Contact

LINK_SALT = "tandem.collaboration.survey-link"


def survey_link_token(*, survey: Survey, contact: Contact) -> str:
    """The signed token of one contact's link to a survey: it cannot be forged or altered."""
    return signing.dumps({"s": survey.pk, "c": contact.pk}, salt=LINK_SALT, compress=True)


class LinkInvalid(Exception):
    """The survey link was altered, or its survey or contact no longer exists."""


def survey_link_open(*, token: str) -> tuple[Survey, Contact]:
    """The survey and contact a signed link belongs to, or ``LinkInvalid``."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
        survey = Survey.objects.get(pk=data["s"])
        contact = Contact.objects.get(pk=data["c"])
    except (signing.BadSignature, KeyError, TypeError, Survey.DoesNotExist, Contact.DoesNotExist):
        raise LinkInvalid from None
    return survey, contact
