"""Draw the floors of the house from the import-linter contract in pyproject.toml.

``python docs/floors.py`` rewrites the diagram between the floors markers in
docs/architecture.md; tests/core/test_house.py fails when the two disagree.
"""

from __future__ import annotations

import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
START, END = "<!-- floors:start -->", "<!-- floors:end -->"


def floors() -> list[list[str]]:
    """The contract's layers, top first, each a list of sibling packages (without ``tandem.``)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "floors")
    return [
        [name.strip().removeprefix("tandem.") for name in layer.split("|")]
        for layer in contract["layers"]
    ]


def diagram() -> str:
    """The floors as a text block: top floor first, an arrow down between floors."""
    rows = ["```", "doors (views, *_views, urls, admin, templatetags, management commands)"]
    for layer in floors():
        rows.append("  ▼")
        rows.append("  " + "  |  ".join(layer))
    rows.append("```")
    return "\n".join(rows)


def document_with_diagram(text: str) -> str:
    """``text`` (the architecture page) with its floors block replaced by today's diagram."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{diagram()}\n{END}{tail}"


if __name__ == "__main__":
    page = ARCHITECTURE.read_text()
    if START not in page or END not in page:
        sys.exit(f"{ARCHITECTURE} has no {START} … {END} block")
    ARCHITECTURE.write_text(document_with_diagram(page))
