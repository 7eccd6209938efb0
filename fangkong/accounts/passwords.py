"""Password rules beyond Django's: a generous maximum (baseline item 4: 64+ allowed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PASSWORD_LENGTH = 128


class MaximumLengthValidator:
    """Refuse passwords over 128 characters (long passphrases are welcome below that)."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _("The password may have at most %(max)d characters.")
                % {"max": MAX_PASSWORD_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("At most %(max)d characters.") % {"max": MAX_PASSWORD_LENGTH}
