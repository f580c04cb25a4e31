"""Segments: dynamic rule-based and static groups of contacts, with stored membership."""
