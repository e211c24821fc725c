"""Duplicate copies: exact (same bytes) and media (same film or episode), and which copy to keep."""
