"""Open Civic Data processing of a release (docs/ocd-processing.md): one module per domain."""
