"""`import pyNN.neuromesh as sim`: PyNN's API on neuromesh. The backend lives in neuromesh.pynn
(installed with neuromesh); this module, installed into PyNN's package directory, is that
module under PyNN's name (docs/pynn.md)."""
import sys

import neuromesh.pynn

sys.modules[__name__] = neuromesh.pynn
