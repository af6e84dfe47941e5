"""`python -m imaging_tutor` runs the CLI."""
import sys

from imaging_tutor.cli import main

sys.exit(main())
