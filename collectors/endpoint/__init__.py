"""Endpoint telemetry: Linux auth logs, auditd, Windows event logs, osquery."""
