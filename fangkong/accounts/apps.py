from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from fangkong.accounts import jobs  # noqa: F401  (registers the periodic jobs)
