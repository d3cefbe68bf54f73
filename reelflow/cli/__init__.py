"""The command line: the `reelflow` entry point and one module per command."""
