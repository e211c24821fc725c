"""The interactive shell: prompt_toolkit loop and completion."""
