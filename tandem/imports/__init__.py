"""Imports of accounts, contacts and deals from files (HubSpot, Salesforce, spreadsheets)."""
