"""Analytics tests need no database of Django's; they run on DuckDB, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Ibis 12 still calls DuckDB 2's deprecated fetch_arrow_table(); harmless, and not ours.
    # Ibis 12 under pandas 3 asks for a pandas option that is going away; also not ours.
    quiet = [
        pytest.mark.filterwarnings(
            "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
        ),
        pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    ]
    for item in items:
        if "tests/analytics/" in str(item.path).replace("\\", "/"):
            for marker in quiet:
                item.add_marker(marker)
