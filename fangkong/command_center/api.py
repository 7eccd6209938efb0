"""The command centre's API: gathers the sub-packages' routers."""

from ninja import Router

router = Router(tags=["command centre"])
