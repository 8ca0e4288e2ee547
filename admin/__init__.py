"""The piccolo-admin site for system administrators, mounted at /admin/."""
