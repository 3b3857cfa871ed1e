"""Background jobs on procrastinate: sending messages and sweeping what a dead worker left."""
