# Copyright (c) 2026, imagefleet team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed errors. Modules map them to fail_json in one place (_module.py)."""

from __future__ import annotations


class ImagefleetError(Exception):
    """Base of every error this collection raises on purpose."""

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self):
        return self.message


class InvalidReferenceError(ImagefleetError):
    """An image reference that does not parse."""


class ManifestError(ImagefleetError):
    """A manifest that is malformed, too large, of unknown type or fails sanity rules."""


class DigestMismatchError(ImagefleetError):
    """Content whose digest is not the one it was asked for."""


class RegistryError(ImagefleetError):
    """A registry answered with an error (or not at all)."""

    def __init__(self, message, status=None, code=None, registry=None, **details):
        super().__init__(message, **details)
        self.status = status
        self.code = code
        self.registry = registry


class AuthError(RegistryError):
    """Credentials missing, wrong, or without the needed scope."""


class NotFoundError(RegistryError):
    """The registry does not know that manifest, blob or repository."""


class ConversionError(ImagefleetError):
    """A conversion that cannot be done faithfully (zstd to v2s2, artifacts, ...)."""


class ConflictError(ImagefleetError):
    """A destination already holds something that is not the conversion of the source."""
