"""Local stand-ins for the outside services the archiver talks to (the state's CDN, archive.org)."""
