"""Request plumbing: bodies, headers, errors, languages, logs, templates, health, limits,
and the hotlines every page shows."""
