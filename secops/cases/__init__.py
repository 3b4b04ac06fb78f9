"""Cases: alerts, incidents and the audit log."""
