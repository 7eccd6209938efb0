from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"
