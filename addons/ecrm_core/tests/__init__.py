from . import test_capture
from . import test_ingest
from . import test_ingest_api
from . import test_security
from . import test_stats
from . import test_timeline
