"""Country and time zone, suggested from the SIM, confirmed by the owner in the wizard.

Where the facts come from (the agent records "imsi" and "own_number" in the modem state):
- IMSI → country: the IMSI's first 3 digits are the SIM's mobile country code (ITU-T E.212).
  phonenumbers has no MCC table (its country *calling* codes, 44 for the UK, are another
  numbering), so the table comes from mobile-broadband-provider-info, the operator list that
  GNOME and ModemManager keep and Debian ships (serviceproviders.xml: <country code="gb"> …
  <network-id mcc="234" …>). Where one MCC appears under several countries, the one with the
  most operators wins. install.sh installs the package; without it this step is skipped.
- The SIM's own number → country and time zones: phonenumbers (region_code_for_number and its
  time zone data), which is exact where the SIM knows its number.
- A country's time zones: the tz database's zone.tab (shipped by the tzdata package).
Otherwise the config's country and time zone stand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import available_timezones

import phonenumbers
from phonenumbers import timezone as number_timezones

__all__ = ["PlaceSuggestion", "suggest", "mcc_countries", "country_names", "zones_for", "PROVIDERS_FILE"]

PROVIDERS_FILE = Path("/usr/share/mobile-broadband-provider-info/serviceproviders.xml")


@dataclass(frozen=True)
class PlaceSuggestion:
    country: str                 # ISO 3166 alpha-2, upper case
    timezone: str
    source: str                  # in words: where the suggestion came from
    zones: tuple[str, ...]       # the country's time zones


@lru_cache(maxsize=4)
def mcc_countries(path: Path = PROVIDERS_FILE) -> dict[str, str]:
    """MCC → ISO country ("234" → "GB"); {} when the operator list is not installed."""
    seen: dict[str, Counter] = defaultdict(Counter)
    try:
        country = None
        for event, element in ElementTree.iterparse(path, events=("start", "end")):
            if event == "start" and element.tag == "country":
                country = (element.get("code") or "").upper()
            elif event == "end" and element.tag == "network-id" and country:
                mcc = element.get("mcc") or ""
                if len(mcc) == 3 and mcc.isdigit():
                    seen[mcc][country] += 1
            elif event == "end" and element.tag == "provider":
                element.clear()
    except (OSError, ElementTree.ParseError):
        return {}
    return {mcc: counts.most_common(1)[0][0] for mcc, counts in seen.items()}


def _tz_table(name: str) -> list[str]:
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8").splitlines()
    except (ModuleNotFoundError, OSError):
        try:
            return Path("/usr/share/zoneinfo", name).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO code → English name, for the countries phonenumbers knows (iso3166.tab)."""
    names = {}
    for line in _tz_table("iso3166.tab"):
        if line and not line.startswith("#") and "\t" in line:
            code, name = line.split("\t", 1)
            names[code.strip()] = name.strip()
    return {code: names.get(code, code) for code in sorted(phonenumbers.SUPPORTED_REGIONS)}


@lru_cache(maxsize=1)
def _zone_table() -> dict[str, tuple[str, ...]]:
    known = available_timezones()
    zones: dict[str, list[str]] = defaultdict(list)
    for line in _tz_table("zone.tab"):
        parts = line.split("\t")
        if line.startswith("#") or len(parts) < 3 or parts[2] not in known:
            continue
        zones[parts[0]].append(parts[2])
    return {code: tuple(found) for code, found in zones.items()}


def zones_for(country: str) -> tuple[str, ...]:
    return _zone_table().get(country.upper(), ())


def suggest(modem_state: dict, country: str, timezone: str, providers: Path = PROVIDERS_FILE) -> PlaceSuggestion:
    """The best guess from what the modem said, else the current settings."""
    source = "your current settings"
    imsi = str(modem_state.get("imsi") or "")
    own = str(modem_state.get("own_number") or "")
    number_zones: tuple[str, ...] = ()
    from_sim = mcc_countries(providers).get(imsi[:3]) if imsi[:3].isdigit() else None
    if from_sim and from_sim in phonenumbers.SUPPORTED_REGIONS:
        country, source = from_sim, f"the SIM card (mobile country code {imsi[:3]})"
    if own:
        try:
            parsed = phonenumbers.parse(own, country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and phonenumbers.is_valid_number(parsed):
            region = phonenumbers.region_code_for_number(parsed)
            if not from_sim and region:
                country, source = region, f"the SIM card's own number ({own})"
            number_zones = tuple(z for z in number_timezones.time_zones_for_number(parsed) if z in available_timezones())
    zones = zones_for(country)
    if timezone in zones and (not number_zones or timezone in number_zones):
        chosen = timezone
    else:
        chosen = next((z for z in zones if z in number_zones), None) or (zones[0] if zones else timezone)
    return PlaceSuggestion(country, chosen, source, zones)
