"""Where a learner is in a module's lessons (resume where they left off)."""
