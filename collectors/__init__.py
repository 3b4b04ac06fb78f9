"""Collectors: one module per input format, each registering one parser.

``secops.registry.discover`` imports every module below this package, so a
new format is a new file. Grouped by where the data comes from.
"""
