"""Exports: lists to CSV and XLSX, and the whole company as one zip."""
