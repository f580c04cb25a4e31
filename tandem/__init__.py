"""Tandem: the platform on which marketing and sales work together."""

__version__ = "0.1.0"
