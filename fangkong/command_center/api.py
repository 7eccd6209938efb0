"""The command centre's API: gathers the sub-packages' routers."""

from ninja import Router

router = Router(tags=["command centre"])

from fangkong.command_center.picture.api import router as picture_router  # noqa: E402

router.add_router("", picture_router)
from fangkong.command_center.directives.api import router as directives_router  # noqa: E402
from fangkong.command_center.notifications.api import router as notifications_router  # noqa: E402

router.add_router("", notifications_router)
router.add_router("", directives_router)

from fangkong.command_center.duty.api import router as duty_router  # noqa: E402

router.add_router("", duty_router)

from fangkong.command_center.reports.api import router as reports_router  # noqa: E402

router.add_router("", reports_router)

from fangkong.command_center.supervision.api import router as supervision_router  # noqa: E402

router.add_router("", supervision_router)

from fangkong.command_center.structure.api import router as structure_router  # noqa: E402

router.add_router("", structure_router)

from fangkong.command_center.meetings.api import router as meetings_router  # noqa: E402

router.add_router("", meetings_router)
