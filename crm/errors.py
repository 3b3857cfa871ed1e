"""Typed errors: each carries its error code and HTTP status, so no route decides a status."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base of every error the application means to show a client."""

    code: str = "INTERNAL_ERROR"
    status: int = 500
    default_message: str = "Something went wrong on our side."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class BadRequest(AppError):
    code = "BAD_REQUEST"
    status = 400
    default_message = "The request could not be understood."


class ValidationFailed(AppError):
    code = "VALIDATION_ERROR"
    status = 422
    default_message = "Some fields are invalid."


class NotAuthenticated(AppError):
    code = "UNAUTHENTICATED"
    status = 401
    default_message = "Please sign in."


class Forbidden(AppError):
    code = "FORBIDDEN"
    status = 403
    default_message = "You are not allowed to do that."


class NotFound(AppError):
    code = "NOT_FOUND"
    status = 404
    default_message = "Not found."


class Conflict(AppError):
    code = "CONFLICT"
    status = 409
    default_message = "That conflicts with the current state."


class TicketImmutable(Conflict):
    """Raised by the database trigger too, so a forgetful service cannot break the rule."""

    code = "TICKET_IMMUTABLE"
    default_message = "This ticket is completed; it and its line items, time and notes are final."


class InvalidStatusTransition(Conflict):
    code = "INVALID_STATUS_TRANSITION"
    default_message = "That status change is not allowed."


class PayloadTooLarge(AppError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "The request body is too large."


class RateLimited(AppError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Too many attempts. Please wait and try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message, details={"retry_after": retry_after, **(details or {})})
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """An infrastructure dependency (database, Valkey, Vault, SMTP) could not be reached."""

    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = "A service we depend on is unavailable. Please try again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        service: str,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message, details={"service": service, **(details or {})})
        self.service = service


class InternalError(AppError):
    code = "INTERNAL_ERROR"
    status = 500


class ConfigurationError(Exception):
    """Start-up configuration is missing or unreachable; the message names what."""
