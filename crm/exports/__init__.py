"""Move out with everything: a business's whole data as a zip of CSVs, data.json and a README,
and the import that brings such a zip into another business (docs/export.md)."""

from crm.exports.build import build_export, export_filename, export_to_file, write_export
from crm.exports.load import ImportResult, TargetNotEmpty, import_export

__all__ = [
    "ImportResult",
    "TargetNotEmpty",
    "build_export",
    "export_filename",
    "export_to_file",
    "import_export",
    "write_export",
]
