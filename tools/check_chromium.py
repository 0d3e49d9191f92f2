"""Fail clearly when the browser tests cannot find Chromium; never skip them silently."""

import os
import shutil
import sys

path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
    sys.stderr.write(
        f"Chromium was not found at {path}. The browser tests need it.\n"
        "Install Debian's package:  apt-get update && apt-get install -y chromium\n"
        "or point CHROMIUM= at a Chromium binary.\n"
    )
    sys.exit(1)
