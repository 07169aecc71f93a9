"""Anonymous feedback and campaigns: collected privately, read only as aggregates."""
