"""Command centre pages under ``/command/``."""

from django.urls import URLPattern, URLResolver

app_name = "command_center"
urlpatterns: list[URLPattern | URLResolver] = []

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
