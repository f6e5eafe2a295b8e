"""`python -m derivcheck`: the same command line as the `derivcheck` script."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="derivcheck")
