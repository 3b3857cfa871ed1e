"""Bringing a business's data in from elsewhere (Square today); see docs/imports.md."""
