"""One recipient's message of a send: the send's templates compiled once per batch, then
personalised, footed with the seller's identity, its links wrapped for click tracking, an open
pixel added, and the one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template import Template

from tandem.core.seller import seller_identity
from tandem.mailing import gate, links, rendering
from tandem.mailing.models import EmailRecipient, EmailSend
from tandem.people.models import Contact


class Prepared:
    """A send's templates compiled once per batch, and the message of one recipient."""

    def __init__(self, send: EmailSend) -> None:
        self.send = send
        self.subject: Template = rendering.compile_template(send.subject)
        self.html: Template = rendering.compile_template(send.html_body)
        self.text: Template = rendering.compile_template(send.text_body)
        host = links.base_url().split("://")[-1].split("/")[0].split(":")[0]
        self.domain = host or "tandem"
        self.seller = seller_identity()

    def values(self, recipient: EmailRecipient, contact: Contact) -> dict[str, Any]:
        url = links.unsubscribe_url(recipient.pk)
        return rendering.personal_context(contact=contact, unsubscribe_url=url, preferences_url=url)

    def html_body(self, recipient: EmailRecipient, contact: Contact) -> str:
        """The HTML as personalised for the recipient, before tracking is added."""
        html = rendering.render(self.html, self.values(recipient, contact), html=True)
        return rendering.footer_add(html, self.seller, html=True)

    def message(
        self, recipient: EmailRecipient, contact: Contact, connection: Any
    ) -> tuple[EmailMultiAlternatives, str]:
        values = self.values(recipient, contact)
        unsubscribe = values["unsubscribe_url"]
        html = rendering.render(self.html, values, html=True)
        html = rendering.footer_add(html, self.seller, html=True)
        html = rendering.links_wrap(
            html, lambda url: links.click_url(recipient.pk, url), keep={unsubscribe}
        )
        pixel = (
            f'<img src="{links.open_url(recipient.pk)}" width="1" height="1" alt="" '
            'style="display:block;border:0;width:1px;height:1px">'
        )
        html = html.replace("</body>", pixel + "</body>") if "</body>" in html else html + pixel
        message_id = make_msgid(domain=self.domain)
        subject = " ".join(rendering.render(self.subject, values, html=False).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=rendering.footer_add(
                rendering.render(self.text, values, html=False), self.seller, html=False
            ),
            from_email=self.send.from_email,
            to=[recipient.email],
            connection=connection,
            headers={
                "Message-ID": message_id,
                **gate.unsubscribe_headers(unsubscribe),
                "X-Tandem-Send": str(self.send.pk),
            },
        )
        message.attach_alternative(html, "text/html")
        return message, message_id.strip("<>")


def message_links(recipient: EmailRecipient) -> list[str]:
    """The links of the message this recipient was sent (rebuilt from the send's content)."""
    prepared = Prepared(recipient.send)
    return rendering.links_of(prepared.html_body(recipient, recipient.contact))
