"""Command-line plumbing and atomic publishing shared by every command."""
