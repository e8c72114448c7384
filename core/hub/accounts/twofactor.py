"""Time-based one-time passwords (RFC 6238) and recovery codes.

A code is accepted for the current 30-second step and one step either side, and only if
its step is later than the last accepted one: a code cannot be replayed, even by two
simultaneous requests (the step is stored with a conditional UPDATE). The session notes
when its owner last entered a valid code, so sensitive actions can ask for a fresh one.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

import pyotp
import sqlalchemy as sa

from hub.accounts.models import RecoveryCode, User
from hub.db import utcnow

RECOVERY_CODES = 10
# A check this recent counts as "fresh" for sensitive actions (staff API tokens).
FRESH_MINUTES = 5
CHECKED_AT = "two_factor_checked_at"


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits


def provisioning_uri(secret: str, user: User, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def matching_step(secret: str, code: str, at=None) -> int | None:
    """The time step ``code`` belongs to (current ±1), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = at or utcnow()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_and_use(dbsession, user: User, code: str, recovery: bool = True) -> bool:
    """Accept ``code`` once for ``user`` (TOTP, or a recovery code unless ``recovery`` is
    false)."""
    if user.totp_secret:
        step = matching_step(user.totp_secret, code)
        if step is not None:
            updated = dbsession.execute(
                sa.update(User).where(User.id == user.id, sa.or_(
                    User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)).rowcount
            if updated == 1:
                user.totp_last_step = step
                return True
            return False
    return recovery and use_recovery_code(dbsession, user, code)


def _hash_code(code: str) -> str:
    return hashlib.sha256("".join(code.split()).replace("-", "").lower().encode()).hexdigest()


def new_recovery_codes(dbsession, user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once, never stored."""
    dbsession.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        dbsession.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    dbsession.flush()
    return codes


def use_recovery_code(dbsession, user: User, code: str) -> bool:
    if len(code) > 40:
        return False
    updated = dbsession.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.code_hash == _hash_code(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    return updated == 1


def remaining_recovery_codes(dbsession, user: User) -> int:
    return dbsession.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def delete_recovery_codes(dbsession, user: User) -> None:
    dbsession.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def record_check(request) -> None:
    """Note in the session that its owner has just entered a valid code."""
    request.session[CHECKED_AT] = utcnow().isoformat()


def checked_recently(request, minutes: int = FRESH_MINUTES) -> bool:
    """Whether the session's owner entered a valid code within the last ``minutes``."""
    at = request.session.get(CHECKED_AT)
    try:
        when = dt.datetime.fromisoformat(at) if at else None
    except (TypeError, ValueError):
        return False
    return when is not None and utcnow() - when < dt.timedelta(minutes=minutes)
