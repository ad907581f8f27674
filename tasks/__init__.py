"""Celery tasks: thin wrappers that call processors and record results (later issue)."""
