"""(in progress)"""

from litestar import Controller


class SyncController(Controller):
    path = "/api/sync"
