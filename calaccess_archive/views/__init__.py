"""Views of the site (the admin is routed in calaccess_archive/urls.py)."""
