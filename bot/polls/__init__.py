"""Polls: scheduled, recurring, anonymous or public, with live or after-close results."""
