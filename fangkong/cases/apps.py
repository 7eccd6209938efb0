from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fangkong.cases"
    label = "cases"
    verbose_name = "Cases and investigation"

    def ready(self) -> None:
        from fangkong.cases import jobs  # noqa: F401 - registers the periodic jobs
        from fangkong.cases.services.opening import cases_from_findings
        from fangkong.lab.findings import findings_register

        # The lab → case link (docs/architecture.md): lab reports findings, cases opens them.
        findings_register(cases_from_findings)
