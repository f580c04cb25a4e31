"""docs/permissions.md shows the permission matrix exactly as the code enforces it."""

from io import StringIO
from itertools import takewhile
from pathlib import Path

from django.core.management import call_command

from tandem.access.policies import matrix_markdown

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
