"""(in progress)"""

from litestar import Controller


class AttachmentController(Controller):
    path = "/api/attachments"
