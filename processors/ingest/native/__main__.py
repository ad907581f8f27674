"""python -m processors.ingest.native build | check

`build` compiles the C fast paths into the environment (see the package's
docstring) unless they are built already, removes libraries of earlier
sources there, and prints the library's path; it is what bin/_bootstrap and
the Dockerfile run. `check` only looks for the
built library and loads it (no compiler needed), e.g. in a final image.
Either exits 1 with a one-line reason on stderr when the library is not
there or does not work.
"""

from __future__ import annotations

import argparse
import sys

from . import BuildError, _library, build, built_library, unavailable_reason


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m processors.ingest.native", description=__doc__.split("\n\n")[1])
    parser.add_argument("command", choices=["build", "check"])
    command = parser.parse_args(argv).command
    if command == "build":
        try:
            path = build(prune=True)
        except BuildError as exc:
            print(f"native: {exc}", file=sys.stderr)
            return 1
    else:
        path = built_library()
        if path is None:
            print("native: the C fast paths are not built (run python -m processors.ingest.native build)", file=sys.stderr)
            return 1
    if _library() is None:  # it must also load and have its functions
        print(f"native: {unavailable_reason()}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
