"""What victims send as evidence: files checked by content, re-encoded and sealed on disk."""
