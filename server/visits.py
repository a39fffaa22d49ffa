"""(in progress)"""

from litestar import Controller


class VisitController(Controller):
    path = "/api/visits"
