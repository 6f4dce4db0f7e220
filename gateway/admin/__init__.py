"""The admin REST API for CPO staff, mounted at /admin/api/v1."""
