"""Opt-in checks against a real modem: ./dev.sh test tests/hardware --port=/dev/ttyUSB2

They send AT commands only (no SMS, no calls): start-up, family detection, network status.
"""

from __future__ import annotations

import pytest

from agent.config import ModemConfig
from agent.modem.link import SerialLink
from agent.modem.modem import Modem

pytestmark = pytest.mark.hardware


@pytest.fixture
def modem(request):
    port = request.config.getoption("--port")
    if not port:
        pytest.skip("no real modem: pass --port=/dev/ttyUSB2 to run the hardware tests")
    link = SerialLink(port)
    link.open()
    yield Modem(link, ModemConfig(port=port))
    link.close()


def test_initialises_and_names_its_family(modem):
    info = modem.initialise()
    assert info.manufacturer and info.model
    print(f"\n{info.manufacturer} {info.model} ({info.revision}) → dialect {info.dialect.name}")


def test_network_status(modem):
    modem.initialise()
    status = modem.network_status()
    print(f"\n{status.registration}, {status.operator}, {status.bars}/4 bars")
    assert status.registration != "unknown"
