"""The running agent: the modem worker and the line worker, the sender, inbound SMS, outages,
scheduled jobs, and the runner that ties them to systemd."""
