"""`make bench`: measurements that print figures (never timed unit tests)."""
