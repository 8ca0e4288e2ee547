"""Password hashing and checking, always off the event loop."""

from __future__ import annotations

import asyncio
import hmac

from piccolo.apps.user.tables import BaseUser

MIN_PASSWORD_LENGTH = 4
MAX_PASSWORD_LENGTH = 128


def _iterations() -> int:
    return BaseUser._pbkdf2_iteration_count


async def hash_password(password: str) -> str:
    """PBKDF2 hash in a worker thread, in Piccolo's stored format."""
    return await asyncio.to_thread(BaseUser.hash_password, password, "", _iterations())


async def verify_password(password: str, stored: str | None) -> bool:
    """True if the password matches the stored hash; a missing hash still costs a hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    if not stored:
        # Spend the same time as a real check so response times don't reveal user names.
        await hash_password(password)
        return False
    try:
        _algorithm, iterations, salt, _digest = BaseUser.split_stored_password(stored)
        computed = await asyncio.to_thread(BaseUser.hash_password, password, salt, int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(computed, stored)
