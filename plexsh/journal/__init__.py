"""The action journal (every change to local files, undoable), and the trash it moves files to."""
