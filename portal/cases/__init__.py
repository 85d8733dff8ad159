"""The case domain: intake, triage, workflow, casework, the staff inbox, receipts, retention."""
