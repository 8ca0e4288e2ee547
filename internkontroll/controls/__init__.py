"""Internal control plans: KS's shared points, plans with versions and decisions, controls."""
