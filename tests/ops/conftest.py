"""Fixtures the ops tests share with other areas."""

from tests.demo.conftest import demo  # noqa: F401  (a small demo company)
