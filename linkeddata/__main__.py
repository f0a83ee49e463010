"""`python -m linkeddata` runs the command-line interface."""

from linkeddata.cli import main

if __name__ == "__main__":  # the build's dump writers start in fresh processes that import this module again
    main()
