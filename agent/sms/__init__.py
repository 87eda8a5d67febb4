"""SMS as bytes: the pure PDU codec (3GPP TS 23.040) and the alphabets and segment counting
(TS 23.038). No I/O: the modem layer, the agent and the web UI all use it."""
