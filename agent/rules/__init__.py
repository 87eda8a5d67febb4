"""Pure decisions: the policy, opening hours, templates, keywords, phone numbers and the call
tracker. Nothing here imports the modem, the store, the daemon or the web (import-linter checks)."""
