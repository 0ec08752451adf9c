"""Daily compliance snapshots."""
