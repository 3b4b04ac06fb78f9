"""Dashboards as data: panel definitions (``dashboards/*.toml``), their evaluation, and the Kibana export."""
