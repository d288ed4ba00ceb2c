"""The `sensemaking` command-line application (click). Only `cli.main` lives here."""
