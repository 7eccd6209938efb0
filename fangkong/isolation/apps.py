from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "fangkong.isolation"
    label = "isolation"
    verbose_name = "Isolation and quarantine"

    def ready(self) -> None:
        from fangkong.isolation.monitoring import jobs as monitoring_jobs  # noqa: F401 - registers
        from fangkong.isolation.orders.lab_tests import order_tests_from_lab
        from fangkong.isolation.transfers import jobs as transfers_jobs  # noqa: F401 - registers
        from fangkong.isolation.treatment.lab_tests import treatment_tests_from_lab
        from fangkong.lab.findings import task_results_register

        # Plan tests come back from the lab (docs/isolation.md): lab reports, isolation marks.
        task_results_register(order_tests_from_lab)
        task_results_register(treatment_tests_from_lab)
