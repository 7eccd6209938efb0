"""Production settings: everything secure, every secret from the environment.

``manage.py check --deploy`` runs against this module in CI. Development, placeholder, weak
or malformed keys stop start-up here, before anything runs (``core.keys``).
"""

from __future__ import annotations

import sys

from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403
from fangkong.core.keys import deployment_keys, keys_require

DEBUG = False
DEMO_MODE = False
MFA_ENFORCED = True
SECRET_KEY = env_str("FANGKONG_SECRET_KEY", required=True)
FIELD_ENCRYPTION_KEY = env_str("FANGKONG_FIELD_KEY", required=True)
BLIND_INDEX_KEY = env_str("FANGKONG_BLIND_INDEX_KEY", required=True)
keys_require(deployment_keys(sys.modules[__name__]))

SECURE_SSL_REDIRECT = env_bool("FANGKONG_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("FANGKONG_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
