"""Pure data work: download, clean, load. Plain functions, no Django views, no Celery."""
