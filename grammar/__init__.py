"""The grammar package: plexsh.lark, the single source of the language's syntax."""
