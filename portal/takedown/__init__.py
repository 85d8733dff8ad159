"""The takedown desk: requests to platforms per link and per target, notices, the outbox,
rechecks for re-uploads."""
