"""Names in archive storage: `<identifier>/<file name>`, checked against archive.org's rules."""

import re
from dataclasses import dataclass

# ASCII letters, digits, "_", "-", "."; starts with a letter or digit; at most 100 characters.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
IDENTIFIER_MAX = 100


class InvalidArchiveName(ValueError):
    """A name or identifier that archive.org would refuse (raised before any request)."""


def identifier_validate(identifier: str) -> str:
    if not _IDENTIFIER.fullmatch(identifier or ""):
        raise InvalidArchiveName(
            f"invalid archive.org identifier {identifier!r}: use 1-100 ASCII letters, digits, "
            "'_', '-' or '.', starting with a letter or digit"
        )
    return identifier


def file_name_validate(file_name: str) -> str:
    if not file_name or file_name.startswith("/") or any(p in ("", ".", "..") for p in file_name.split("/")):
        raise InvalidArchiveName(f"invalid file name in an archive item: {file_name!r}")
    if any(ord(c) < 32 for c in file_name):
        raise InvalidArchiveName(f"control character in file name {file_name!r}")
    return file_name


@dataclass(frozen=True)
class ArchiveName:
    identifier: str
    file_name: str

    def __str__(self) -> str:
        return f"{self.identifier}/{self.file_name}"


def name_split(name: str) -> ArchiveName:
    """`<identifier>/<file name>` -> its two parts, both validated."""
    identifier, sep, file_name = str(name).replace("\\", "/").partition("/")
    if not sep:
        raise InvalidArchiveName(f"an archive name is <identifier>/<file name>, not {name!r}")
    return ArchiveName(identifier_validate(identifier), file_name_validate(file_name))


def name_join(identifier: str, file_name: str) -> str:
    return str(ArchiveName(identifier_validate(identifier), file_name_validate(file_name)))


def identifier_prefixed(identifier: str, *, prefix: str | None = None) -> str:
    """`identifier` behind ARCHIVE_STORAGE_PREFIX (or `prefix`), validated: "myorg-" + "dataset-1"."""
    if prefix is None:
        from .conf import setting

        prefix = setting("ARCHIVE_STORAGE_PREFIX")
    return identifier_validate(f"{prefix}{identifier}")
