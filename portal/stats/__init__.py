"""Statistics that survive purging: daily counts written with each event, and what the
staff statistics page, its CSV and the public transparency page read from them."""
