"""Links to reported content: parsing and normalisation, and the one registry of platforms."""
