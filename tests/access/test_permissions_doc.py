"""docs/permissions.md shows the permission matrix exactly as the code enforces it."""

from io import StringIO
from itertools import takewhile
from pathlib import Path

from django.core.management import call_command

from tandem.access import policies
from tandem.access.policies import matrix_markdown
from tandem.collaboration import services as collaboration
from tandem.people import services as people

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
HEADER = "| resource | action |"


def _matrix_table(text: str) -> str:
    """The Markdown table that starts with the matrix header, as written in the document."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(HEADER)]
    assert len(starts) == 1, "docs/permissions.md should hold the matrix table once"
    table = takewhile(lambda line: line.startswith("|"), lines[starts[0] :])
    return "\n".join(table) + "\n"


def test_the_document_shows_the_matrix_the_code_enforces():
    assert _matrix_table(DOC.read_text(encoding="utf-8")) == matrix_markdown(), (
        "docs/permissions.md is out of step with tandem/access/policies.py: paste the output "
        "of `python manage.py permissions` into it"
    )


def test_the_permissions_command_prints_the_matrix():
    out = StringIO()

    call_command("permissions", stdout=out)

    assert out.getvalue() == matrix_markdown()


def test_leadership_changes_no_record_but_may_comment_as_the_doc_says(cast):
    ann = people.contact_create(actor=cast.marketer, email="ann@acme.test", first_name="Ann")
    doc = DOC.read_text(encoding="utf-8")

    assert not any(
        policies.can(cast.leadership, action, resource)
        for resource in ("contact", "touch", "deal", "campaign")
        for action in ("create", "change", "delete")
    )
    comment = collaboration.comment_add(actor=cast.leadership, target=ann, body="Why this one?")
    assert comment.pk is not None
    assert "Leadership may still take part in the\n  conversation" in doc
