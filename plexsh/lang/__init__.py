"""The mini-language: grammar loading, AST and syntax errors."""
