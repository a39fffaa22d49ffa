"""The audit log as the bureau reads it."""
