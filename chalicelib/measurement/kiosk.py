"""Tablets at a desk ("kiosk"): an inviter starts a device session; after each submitted
response the form starts fresh; the session ends at the end of its day or when ended."""
from __future__ import annotations

import secrets
from datetime import date

from ..platform.models import Inviter, KioskDevice
from . import measurements, responses


def start(inviter: Inviter, day: date | None = None) -> KioskDevice:
    day = day or measurements.today()
    device = KioskDevice(f"kiosk#{secrets.token_urlsafe(16)}", municipality=inviter.municipality,
                         measurement_id=inviter.measurement_id, team=inviter.team,
                         inviter_id=inviter.id, day=day.isoformat(), ended=False,
                         expires_at=responses.kiosk_expiry(day))
    device.save(condition=KioskDevice.key.does_not_exist())
    return device


def active(key: str, day: date | None = None) -> KioskDevice | None:
    """The device session if it still runs today, else None."""
    if not key.startswith("kiosk#") or len(key) > 40:
        return None
    try:
        device = KioskDevice.get(key, consistent_read=True)
    except KioskDevice.DoesNotExist:
        return None
    today = (day or measurements.today()).isoformat()
    return device if not device.ended and device.day == today else None


def end(key: str) -> None:
    device = active(key)
    if device is not None:
        device.update(actions=[KioskDevice.ended.set(True)])
