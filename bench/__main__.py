"""`python -m bench`: one leg of the benchmark on the engine DATABASE_URL picks."""

import sys

from bench.run import main

sys.exit(main())
