from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from fangkong.accounts import jobs  # noqa: F401  (registers the periodic jobs)
        from fangkong.accounts.models import ApiToken, Membership, User
        from fangkong.accounts.tokens import tokens_forget

        def forget(**_kwargs: object) -> None:
            tokens_forget()
            transaction.on_commit(tokens_forget)  # and again once the change is visible to others

        # A change to a token, a user or a membership is seen at once by this process.
        for model in (ApiToken, Membership, User):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"tokens-{model}")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"tokens-{model}-")
