from django.apps import AppConfig


class CommandCenterConfig(AppConfig):
    name = "fangkong.command_center"
    label = "command_center"
    verbose_name = "Command centre"
