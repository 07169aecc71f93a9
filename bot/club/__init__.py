"""Club settings per guild (channels, moderator role, time zone, language, threshold) and the moderators' audit log."""
