"""E-mail the portal sends: composing RFC 5322 messages, the outbox, its worker and SMTP."""
