"""``python -m newsflow.cli``: the same as the ``newsflow`` console script."""

from newsflow.cli import main

if __name__ == "__main__":
    main()
