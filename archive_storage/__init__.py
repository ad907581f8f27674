"""archive_storage: Django's Storage contract on archive.org (and a local stand-in), a model field,
and verified, resumable uploads (see README.md beside this file).

This module imports nothing, so that `archive_storage.digest` and `archive_storage.text` can be used
without Django set up.
"""

__version__ = "0.1.0"
