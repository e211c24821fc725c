"""Organization of local copies: rules pick a template, templates give each copy its place, a plan says what moves."""
