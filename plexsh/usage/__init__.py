"""Usage analytics: access records, the usage score, reports and recommendations (domain: never prints)."""
