"""Excel template, export and all-or-nothing import of risk registers: the services routes call.

The layout lives in excel_layout, the export in excel_export and the import in excel_import;
this module is the one place callers import from.
"""

from __future__ import annotations

from internkontroll.risks.excel_export import (
    export_filename,
    export_register,
    system_export_register,
    template_workbook,
)
from internkontroll.risks.excel_import import (
    ImportResult,
    import_register,
    read_sheet,
    system_import_register,
)
from internkontroll.risks.excel_layout import (
    COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    REGISTER_SHEET,
    XLSX_MEDIA_TYPE,
)

__all__ = [
    "COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "REGISTER_SHEET",
    "XLSX_MEDIA_TYPE",
    "ImportResult",
    "export_filename",
    "export_register",
    "import_register",
    "read_sheet",
    "system_export_register",
    "system_import_register",
    "template_workbook",
]
