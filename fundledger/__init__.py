"""fundledger: double-entry books for Chinese basic medical insurance funds (public API)."""
