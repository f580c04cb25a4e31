"""The hand-off's services: the app's public face.

Callers outside the app write ``from tandem.handoff import services`` and call
``services.lead_accept(...)``; the names below are that promise. Inside the package the
modules import each other directly (``services.leads``, ``services.scores`` …), never through
this file, so the order they load in stays plain:

- ``touches``: a touch logged or deleted one at a time, and the relay's reaction;
- ``scores``: a contact rescored, or a batch or everyone set-based;
- ``leads``: the hand-off to a rep and sales' answer, reassignment, deletion;
- ``lifecycle``: a contact recycled, disqualified or moved by hand; nurture's end;
- ``setup``: ICP, stage and routing rules, scoring settings, touch weights, service levels.
"""

from tandem.handoff.services.leads import (
    lead_accept,
    lead_delete,
    lead_hand_off,
    lead_reassign,
    lead_reject,
)
from tandem.handoff.services.lifecycle import (
    contact_disqualify,
    contact_recycle,
    contact_stage_move,
    contacts_nurture_end,
)
from tandem.handoff.services.scores import (
    QUALIFIABLE,
    contact_rescore,
    contacts_rescore_all,
    contacts_rescore_for_touches,
)
from tandem.handoff.services.setup import (
    icp_rule_delete,
    icp_rule_save,
    routing_rule_add,
    routing_rule_delete,
    routing_rule_save,
    scoring_profile_save,
    scoring_save,
    service_level_save,
    stage_rule_delete,
    stage_rule_save,
    touch_weights_save,
)
from tandem.handoff.services.touches import touch_delete, touch_log

__all__ = [
    "QUALIFIABLE",
    "contact_disqualify",
    "contact_recycle",
    "contact_rescore",
    "contact_stage_move",
    "contacts_nurture_end",
    "contacts_rescore_all",
    "contacts_rescore_for_touches",
    "icp_rule_delete",
    "icp_rule_save",
    "lead_accept",
    "lead_delete",
    "lead_hand_off",
    "lead_reassign",
    "lead_reject",
    "routing_rule_add",
    "routing_rule_delete",
    "routing_rule_save",
    "scoring_profile_save",
    "scoring_save",
    "service_level_save",
    "stage_rule_delete",
    "stage_rule_save",
    "touch_delete",
    "touch_log",
    "touch_weights_save",
]
