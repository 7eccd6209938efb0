from django.urls import path

from fangkong.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("logout/", views.logout_view, name="logout"),
    path("switch/", views.switch_view, name="switch"),
    path("security/", views.security_view, name="security"),
    path("users/", views.users_view, name="users"),
    # Any stored name, even one from before the user-name rule (``/`` included): path, not str.
    path("users/<path:username>/", views.user_view, name="user"),
    path("audit/", views.audit_view, name="audit"),
    path("schedule/", views.schedule_view, name="schedule"),
]
