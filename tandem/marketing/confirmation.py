"""Double opt-in links: the signed token the confirmation email carries, and reading it back.

Apart from the form services so that the task sending the email and the service granting
consent share it without importing each other.
"""

from __future__ import annotations

from django.core import signing

from tandem.errors import InvalidInput
from tandem.marketing.models import FormSubmission

CONFIRM_SALT = "tandem.marketing.form-confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def submission_confirm_token(submission: FormSubmission) -> str:
    """The signed, dated token of the submission's confirmation link."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(submission.pk))


def submission_id_from_token(token: str) -> int:
    """The submission a confirmation token names; an expired or forged one raises
    ``InvalidInput`` on ``token`` with what the visitor can do about it."""
    try:
        raw = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput.field("token", "this link has expired; send the form again") from None
    except signing.BadSignature:
        raise InvalidInput.field("token", "this link is not valid") from None
    return int(raw)
