"""Printable documents (reportlab, no Qt): referral forms, attendance sheets, exports."""
