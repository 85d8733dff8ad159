"""Request plumbing: bodies, headers, errors, languages, logs, templates, health, limits."""
