"""People: user accounts, roles and server-side sessions."""
