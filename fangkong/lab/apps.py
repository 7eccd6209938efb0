from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "fangkong.lab"
    label = "lab"
    verbose_name = "Screening and laboratories"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from fangkong.lab import jobs  # noqa: F401 - registers the periodic jobs
        from fangkong.lab.models import RoundArea, SamplingPoint, ScreeningRound
        from fangkong.lab.sampling.placing import places_forget
        from fangkong.lab.zones import zones_changed_register

        def forget(**_kwargs: object) -> None:
            places_forget()
            transaction.on_commit(places_forget)  # and again once the change is visible

        # a risk area designated, changed or lifted (lab.zones): rounds are read anew
        zones_changed_register(places_forget)
        for model in (ScreeningRound, RoundArea, SamplingPoint):
            name = model._meta.model_name
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{name}-saved")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{name}-deleted")
