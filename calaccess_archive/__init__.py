"""calaccess-archive: the nightly archiver of California's CAL-ACCESS export."""
