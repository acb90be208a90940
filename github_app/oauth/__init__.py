"""allauth's GitHub provider with hosts from the settings (GitHub Enterprise Server, the double)."""
