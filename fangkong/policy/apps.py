from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "fangkong.policy"
    label = "policy"
    verbose_name = "Rule sets"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from fangkong.policy.models import RuleSet
        from fangkong.policy.selectors import rules_forget

        def forget(**_kwargs: object) -> None:
            rules_forget()
            transaction.on_commit(rules_forget)  # and again once the change is visible to others

        post_save.connect(forget, sender=RuleSet, weak=False, dispatch_uid="rules-saved")
        post_delete.connect(forget, sender=RuleSet, weak=False, dispatch_uid="rules-deleted")
