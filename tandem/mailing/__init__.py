"""Marketing email: templates, sends to segments, unsubscribe, opens and clicks, bounces."""
