"""What a user name may be, for the service, the forms and the API alike.

A user name is a login, an audit trail's actor and a key in URLs (``/accounts/users/<name>/``,
``/api/v1/accounts/users/{username}``), and it ends up in exports and spreadsheets. So it is
plain: ASCII letters and digits, ``.``, ``_``, ``-`` and ``@`` (for e-mail-like names), 3 to
64 characters, starting with a letter or a digit. That rules out:

* ``/``, ``?``, ``#``, ``%`` and spaces, which break or bend URLs;
* ``<``, ``>``, quotes and ``&`` (markup);
* a leading ``=``, ``+``, ``-`` or ``@`` that a spreadsheet reads as a formula (CSV injection);
* control, invisible and bidirectional characters, and look-alike letters from other
  scripts (a Cyrillic ``а`` in ``admin``).

Names are unique without regard to case. Accounts created before this rule keep their names:
the URLs that carry a user name accept any stored name (``<path:username>``), so such an
account can still be opened and deactivated; it is never renamed behind its owner's back.
"""

from __future__ import annotations

import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from fangkong.core.errors import ValidationFailed, field_error

MIN_LENGTH = 3
MAX_LENGTH = 64
#: The whole rule as one pattern (also the API schema's ``pattern``).
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$"
_USERNAME = re.compile(USERNAME_PATTERN)

#: Error code of a user name outside the rule.
USERNAME_INVALID = "username_invalid"


def username_message() -> str:
    return _(
        "A user name has 3 to 64 characters: letters A–Z, digits, '.', '_', '-' and '@', "
        "starting with a letter or a digit."
    )


def username_is_valid(value: str) -> bool:
    return _USERNAME.fullmatch(value) is not None


def username_clean(raw: object, *, field: str = "username") -> str:
    """The user name to store (surrounding spaces removed); raises ``ValidationFailed``
    (``username_invalid``) naming ``field`` for anything outside the rule."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not username_is_valid(text):
        message = username_message()
        raise ValidationFailed(
            message, errors=[field_error(field, USERNAME_INVALID, message)], code=USERNAME_INVALID
        )
    return text


def username_validator(value: str) -> None:
    """The rule as a Django form validator."""
    if not username_is_valid(value.strip()):
        raise ValidationError(username_message(), code=USERNAME_INVALID)


def _api_check(value: str) -> str:
    if not username_is_valid(value):
        raise PydanticCustomError(USERNAME_INVALID, username_message())
    return value


#: The rule as an API field type: ``username_invalid`` naming the field, the pattern shown in
#: the OpenAPI document.
Username = Annotated[
    str,
    AfterValidator(_api_check),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": USERNAME_PATTERN,
            "minLength": MIN_LENGTH,
            "maxLength": MAX_LENGTH,
            "description": "Letters A–Z, digits, '.', '_', '-', '@'; 3–64; a letter or "
            "digit first.",
        }
    ),
]
