"""Commands a person runs: doctor (plain-words checks), demo (the box on a simulated modem) and
export (CSV)."""
