"""Periodic jobs of the screening chain (registered by the app's ``ready``)."""
