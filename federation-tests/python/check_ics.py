"""Reads an iCalendar file on stdin with the `icalendar` library and prints, as JSON, what a calendar app
would make of each event: its UID, summary, status, sequence, and its start and end in UTC computed twice,
independently: by icalendar itself (the TZID read as the time-zone database's zone), and from the file's own
VTIMEZONE (its STANDARD and DAYLIGHT transitions, applied here by hand). A file icalendar cannot parse
fails loudly."""

import json
import sys
from datetime import timedelta, timezone

import icalendar


def transitions(vtimezone):
    """(utc instant, offset after) of each change, sorted; and the offset before the first."""
    changes = []
    for part in vtimezone.subcomponents:
        start = part.decoded("DTSTART")
        before = part.decoded("TZOFFSETFROM")
        after = part.decoded("TZOFFSETTO")
        changes.append((start - before, before, after))
    changes.sort(key=lambda c: c[0])
    return changes


def offset_at(changes, utc_naive):
    offset = changes[0][1]
    for instant, _, after in changes:
        if instant <= utc_naive:
            offset = after
    return offset


def utc_by_vtimezone(changes, local_naive):
    for offset in sorted({c[1] for c in changes} | {c[2] for c in changes}):
        utc = local_naive - offset
        if offset_at(changes, utc) == offset:
            return utc
    raise ValueError(f"{local_naive} is no time of this zone")


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
    zones = {str(z["TZID"]): transitions(z) for z in calendar.walk("VTIMEZONE")}
    events = []
    for event in calendar.walk("VEVENT"):
        out = {
            "uid": str(event["UID"]),
            "summary": str(event["SUMMARY"]),
            "status": str(event.get("STATUS", "")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "location": str(event.get("LOCATION", "")),
        }
        for key in ("DTSTART", "DTEND"):
            value = event[key]
            aware = value.dt
            tzid = value.params.get("TZID")
            out[key.lower() + "_tzid"] = tzid
            out[key.lower() + "_by_icalendar"] = aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            local = aware.replace(tzinfo=None)
            out[key.lower() + "_by_vtimezone"] = utc_by_vtimezone(zones[tzid], local).strftime("%Y-%m-%dT%H:%M:%SZ")
        events.append(out)
    json.dump({"timezones": sorted(zones), "events": events}, sys.stdout)


if __name__ == "__main__":
    main()
