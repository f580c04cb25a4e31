"""Tandem's analytics on data from any CRM, without Django: attribution, repeat sales and
lifetime value (BG/NBD, Pareto/NBD, Gamma-Gamma, by group), funnel and velocity, pipeline
forecast, the media-mix (carry-over) model and profitability.

Each analysis takes a typed input, runs a relational query with Ibis where the data lives
(DuckDB or SQLite in-process, PostgreSQL, Spark), models the small summary with numpy and scipy, and
returns a typed result. See ``docs/analytics.md``.
"""
