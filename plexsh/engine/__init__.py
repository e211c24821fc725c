"""The transfer engine: copiers, jobs and their supervision."""
