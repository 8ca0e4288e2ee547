"""Users, roles, sessions and the authorization rules."""
