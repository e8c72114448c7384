"""Organisations (patient organisations and other stakeholders) and their members."""
