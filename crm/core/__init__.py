"""The business domain: entities, services, audit trail, and the action/data registry."""
