"""The takedown desk: requests to platforms per link and per target, notices, rechecks for
re-uploads (the e-mail a notice becomes waits in portal.mail's outbox)."""
