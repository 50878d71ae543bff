"""``python -m bench``: the chain benchmark (see bench/chain_bench.py)."""

import sys

from bench.chain_bench import main

sys.exit(main())
