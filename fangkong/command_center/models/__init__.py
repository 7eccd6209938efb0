"""The command centre's models, one module per sub-domain, re-exported here."""
