"""CRM and appointment system for field-service businesses."""
