"""The Lambda zip: building it reproducibly, and running it unpacked as Lambda does."""
