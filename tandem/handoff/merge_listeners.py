"""The hand-off's part in merging two contacts (``people.merge``), heard through people's hooks.

- Before: two waiting leads of the two contacts assigned to different reps cannot become one
  (one waiting lead per contact, and which rep would keep it is sales' call): the merge is
  refused, naming both reps. Waiting leads of the same rep are one hand-off twice; the merge
  keeps the kept contact's.
- After: the kept contact's score is recomputed once, from all their touches together (at the
  threshold they are handed off as any rescore would). After an account merge the kept
  account's fit is recomputed from the fields it now has, and so is the score of every contact
  it now has (the account's fit is part of theirs; set-based, as a batch of touches is).
"""

from __future__ import annotations

from tandem.handoff.models import Lead
from tandem.handoff.rescoring import accounts_fit_rescore
from tandem.handoff.services.scores import contact_rescore, contacts_rescore_for_touches
from tandem.people import hooks
from tandem.people.models import Account, Contact


def _rep_name(lead: Lead) -> str:
    rep = lead.assigned_to
    if rep is None:
        return "nobody"
    return rep.get_full_name() or rep.get_username()


def open_leads_problem(event: hooks.MergeCheck) -> None:
    """Refuse two waiting leads with different reps, naming both."""
    if event.kind != "contact":
        return
    leads = {
        lead.contact_id: lead
        for lead in Lead.objects.select_related("assigned_to").filter(
            contact_id__in=(event.kept.pk, event.merged.pk), status=Lead.Status.WAITING
        )
    }
    ours, theirs = leads.get(event.kept.pk), leads.get(event.merged.pk)
    if ours is None or theirs is None or ours.assigned_to_id == theirs.assigned_to_id:
        return
    event.problems.append(
        f"Both contacts have an open lead with different reps: {event.kept} "
        f"(#{event.kept.pk}) with {_rep_name(ours)} (lead #{ours.pk}) and {event.merged} "
        f"(#{event.merged.pk}) with {_rep_name(theirs)} (lead #{theirs.pk}). Reassign or "
        "close one of the leads first."
    )


def rescore_after_merge(event: hooks.Merged) -> None:
    """Recompute the kept contact's score once, from both contacts' touches; or the kept
    account's fit and the scores of its contacts."""
    if event.kind == "contact":
        contact_rescore(contact=event.kept, via="merge")
        return
    accounts_fit_rescore(account_ids=[event.kept.pk])
    event.kept.fit_score = Account.objects.values_list("fit_score", flat=True).get(pk=event.kept.pk)
    contact_ids = list(Contact.objects.filter(account=event.kept).values_list("pk", flat=True))
    if contact_ids:
        contacts_rescore_for_touches(contact_ids=contact_ids, via="merge")


def register() -> None:
    """Called from the hand-off's ``apps.py`` ``ready()``."""
    hooks.CONTACTS_MERGING.listen(open_leads_problem)
    hooks.CONTACTS_MERGED.listen(rescore_after_merge)
    hooks.ACCOUNTS_MERGED.listen(rescore_after_merge)
