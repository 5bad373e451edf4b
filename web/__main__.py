"""python -m web [--index DIR] [--host 127.0.0.1] [--port 8000] [--workers N]: see web.server."""

import sys

from web.server import main

if __name__ == "__main__":
    sys.exit(main())
