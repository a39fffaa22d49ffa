"""(in progress)"""

from litestar import Controller


class SummaryController(Controller):
    path = "/api/summary"
