import sys

from tests.mutation.check import main

sys.exit(main())
