"""Input models for actions, and the presentation of rows as JSON."""
