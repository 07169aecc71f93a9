"""Weekly themed prompts: a built-in bank by theme, a weekly schedule with rotation
without repeats, member suggestions with review, and engagement stats."""
