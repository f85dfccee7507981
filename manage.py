#!/usr/bin/env python
from safewell.config.cli import main

if __name__ == "__main__":
    main()
