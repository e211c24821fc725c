"""The media library: sources, file-name parser, scanner and catalog."""

from .compiled import install as _install_compiled_parser

_install_compiled_parser()
