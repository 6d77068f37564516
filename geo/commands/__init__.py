"""One module per ``corridor`` subcommand; each exposes ``register(subparsers)``."""
