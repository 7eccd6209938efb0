from ninja import Router

router = Router()
households_router = Router()
