"""Reminder emails: due soon and overdue to staff, a weekly digest to unit managers."""
