"""Anonymous feedback and campaigns (issue 4): collected privately, read only as aggregates."""
