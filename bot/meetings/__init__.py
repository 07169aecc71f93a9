"""Meetings: one thread per meeting, RSVP, agenda from members, reminders, recurring series."""
