"""Open Civic Data tables built from the raw CAL-ACCESS tables, and the records of each processed release."""
