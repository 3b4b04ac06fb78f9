"""Package data: the pinned ECS field list and other reference tables."""
