"""Reminders and the årshjul: deadlines, scheduled reminders, notifications, calendar feeds."""
