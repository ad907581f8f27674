"""The site's views, by page family. Each reads through the selectors and renders; none decides anything."""
