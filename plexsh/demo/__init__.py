"""The demo and test library: a generated NAS of sparse files in Plex and scene layouts, and the demo home made from it."""
