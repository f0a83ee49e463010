"""`python -m linkeddata` runs the command-line interface."""

from linkeddata.cli import main

main()
