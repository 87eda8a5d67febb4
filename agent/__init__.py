"""TextBack agent: the modem service that turns missed calls into one text each."""
