"""Pure message building: calendar files and customer-facing message templates."""
