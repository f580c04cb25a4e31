"""Shared utilities every app may import: periods (the sales and marketing clocks), charts."""
