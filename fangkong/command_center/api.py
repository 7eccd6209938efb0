"""The command centre's API: gathers the sub-packages' routers."""

from ninja import Router

router = Router(tags=["command centre"])

from fangkong.command_center.picture.api import router as picture_router  # noqa: E402

router.add_router("", picture_router)
