"""Report pages and API doors onto tandem.analytics, fed from the CRM tables."""
