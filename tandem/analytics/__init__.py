"""Tandem's analytics: attribution and repeat sales, on data from any CRM, without Django.

Each analysis takes a typed input, runs a relational query with Ibis where the data lives
(DuckDB or SQLite in-process, PostgreSQL), models the small summary with numpy and scipy, and
returns a typed result. See ``docs/analytics.md``.
"""
