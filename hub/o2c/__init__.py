"""O2C domain: the canonical entities and the services built on them."""
