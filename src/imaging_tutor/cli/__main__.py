"""`python -m imaging_tutor.cli` runs the CLI."""
import sys

from imaging_tutor.cli import main

sys.exit(main())
