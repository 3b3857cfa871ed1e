"""Reports: SQL aggregates in the business's timezone, each a data type (docs/reports.md)."""

from crm.core.services.reports import customers, money, work, work_value  # noqa: F401
