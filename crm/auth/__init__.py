"""Passwordless sign-in, sessions, rate limits, security logging and request hardening."""
