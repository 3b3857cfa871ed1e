"""Sign-in and request-hardening errors, each with its code and status."""

from __future__ import annotations

from crm.errors import AppError, BadRequest, Forbidden


class CsrfFailed(Forbidden):
    code = "CSRF_FAILED"
    default_message = "This form expired or came from another site. Reload the page and try again."


class HostNotAllowed(BadRequest):
    code = "HOST_NOT_ALLOWED"
    default_message = "This server does not answer for that host name."


class InvalidEmail(AppError):
    code = "VALIDATION_ERROR"
    status = 422
    default_message = "Enter one valid email address, like name@example.com."


class SignInLinkInvalid(AppError):
    """The link is unknown, used, expired, or its account is gone: the user must start again."""

    code = "SIGN_IN_LINK_INVALID"
    status = 400
    default_message = "This sign-in link can't be used. Request a new one."


class SignInCodeInvalid(AppError):
    code = "SIGN_IN_CODE_INVALID"
    status = 400
    default_message = "That code is not right."
