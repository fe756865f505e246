#!/usr/bin/env python3
"""Download the official releases into a releases directory; same as ``raremap fetch``.

    python scripts/fetch_releases.py --dest releases [--only orphanet] [--snomed SnomedCT_...zip]
"""

import sys

from raremap.cli import main

if __name__ == "__main__":
    sys.exit(main(["fetch", *sys.argv[1:]]))
