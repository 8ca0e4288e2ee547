"""Shared web plumbing: session middleware, templating, error pages."""
