"""Looking after the local copies: verify (survey, checks, hasher); resync, duplicates and organize build on it."""
