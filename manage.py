#!/usr/bin/env python
from safewell.core.cli import main

if __name__ == "__main__":
    main()
