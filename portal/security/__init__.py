"""The security core: keys and encryption, key rotation, sanitising, audit trail, accounts."""
