"""``python -m server`` is the ``fieldlog`` command."""

from server.cli import main

raise SystemExit(main())
