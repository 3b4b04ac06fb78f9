"""Firewall and perimeter logs from the vendors agencies run."""
