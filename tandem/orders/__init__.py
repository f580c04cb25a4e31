"""Products, price lists, deal line items, quotes and orders with stock reservations."""
