"""Moved to :mod:`bioxen.formats` (the format vocabulary sits below every stage, so the CLI and
the pipeline name formats without importing the back end); kept so old imports work."""
from bioxen.formats import (ALL, DEFAULT_FORMATS, FORMATS, OPTIONAL, FormatRefused, check_formats,  # noqa: F401
                            formats_to_write)
