"""Command centre pages under ``/command/``."""

from django.urls import URLPattern, URLResolver

app_name = "command_center"
urlpatterns: list[URLPattern | URLResolver] = []

from fangkong.command_center.picture.urls import urlpatterns as picture_urls  # noqa: E402

urlpatterns += picture_urls
from django.urls import path  # noqa: E402

from fangkong.command_center.directives import views as directive_views  # noqa: E402
from fangkong.command_center.notifications import views as inbox_views  # noqa: E402

urlpatterns += [
    path("inbox/", inbox_views.inbox_view, name="inbox"),
    path("inbox/read-all/", inbox_views.inbox_read_all_view, name="inbox_read_all"),
    path("inbox/<uuid:code>/open/", inbox_views.notification_open_view, name="notification_open"),
    path("directives/", directive_views.directives_view, name="directives"),
    path("directives/<uuid:code>/", directive_views.directive_view, name="directive"),
    path(
        "directives/<uuid:code>/<str:step>/",
        directive_views.directive_answer_view,
        name="directive_answer",
    ),
]

from fangkong.command_center.duty import views as duty_views  # noqa: E402

urlpatterns += [
    path("duty-checks/", duty_views.duty_checks_view, name="duty_checks"),
    path("duty-checks/send/", duty_views.duty_check_send_view, name="duty_check_send"),
    path("duty-checks/<uuid:code>/", duty_views.duty_check_view, name="duty_check"),
    path(
        "duty-checks/<uuid:code>/answer/",
        duty_views.duty_check_answer_view,
        name="duty_check_answer",
    ),
]

from fangkong.command_center.reports import views as report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.reports_view, name="reports"),
    path("reports/file/", report_views.report_file_view, name="report_file"),
    path("reports/docx/", report_views.report_docx_view, name="report_docx"),
    path("reports/<uuid:code>/correct/", report_views.report_correct_view, name="report_correct"),
]

from fangkong.command_center.supervision import views as supervision_views  # noqa: E402

urlpatterns += [
    path("inspections/", supervision_views.inspections_view, name="inspections"),
    path("inspections/<uuid:code>/", supervision_views.inspection_view, name="inspection"),
    path(
        "inspections/<uuid:code>/findings/",
        supervision_views.finding_record_view,
        name="finding_record",
    ),
    path(
        "inspections/<uuid:code>/findings/<uuid:finding>/",
        supervision_views.finding_transition_view,
        name="finding_transition",
    ),
]

from fangkong.command_center.structure import views as structure_views  # noqa: E402

urlpatterns += [
    path("bodies/", structure_views.bodies_view, name="bodies"),
    path("bodies/<uuid:code>/", structure_views.body_view, name="body"),
    path("incidents/<uuid:code>/", structure_views.incident_view, name="incident"),
    path(
        "incidents/<uuid:code>/escalate/",
        structure_views.incident_escalate_view,
        name="incident_escalate",
    ),
]

from fangkong.command_center.roster import views as roster_views  # noqa: E402

urlpatterns += [
    path("bodies/<uuid:code>/roster/<slug:kind>/", roster_views.roster_view, name="roster"),
    path(
        "bodies/<uuid:code>/roster/<slug:kind>/generate/",
        roster_views.roster_generate_view,
        name="roster_generate",
    ),
    path(
        "bodies/<uuid:code>/roster/<slug:kind>/shifts/<int:shift>/log/",
        roster_views.duty_log_view,
        name="duty_log",
    ),
]

from fangkong.command_center.meetings import views as meeting_views  # noqa: E402

urlpatterns += [
    path("meetings/", meeting_views.meetings_view, name="meetings"),
    path("meetings/<uuid:code>/", meeting_views.meeting_view, name="meeting"),
    path(
        "meetings/<uuid:code>/<str:step>/",
        meeting_views.meeting_step_view,
        name="meeting_step",
    ),
]
