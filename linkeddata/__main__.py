"""The `linkeddata` command (console script and `python -m linkeddata`): on a faster malloc, then the CLI.

The allocator is chosen before the CLI is imported: the command executes itself again to preload it
(allocator.py), and an import done before that is done twice.
"""

import sys

from linkeddata.allocator import AllocatorUnavailable, exec_with_fast_allocator


def entry() -> None:
    """Run the command-line interface, on jemalloc or mimalloc when the machine has one (LINKEDDATA_ALLOCATOR)."""
    try:
        exec_with_fast_allocator()
    except AllocatorUnavailable as error:
        print(f"linkeddata: {error}", file=sys.stderr)
        sys.exit(1)
    from linkeddata.cli import main

    main()


if __name__ == "__main__":  # the build's dump writers start in fresh processes that import this module again
    entry()
