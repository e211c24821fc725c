"""The media library: sources, file-name parser, scanner and catalog."""
