"""Outbound webhooks: business events signed and delivered to the company's other systems."""
