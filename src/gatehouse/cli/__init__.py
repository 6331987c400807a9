"""The `gatehouse` command line: thin commands over the composition root (see docs/cli.md)."""
