"""`python -m chalicelib.cli`: see main.py."""
import sys

from .main import main

sys.exit(main())
