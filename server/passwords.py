"""Password hashing with argon2id; cost parameters come from the app's configuration."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("rounds.password_hasher")
    if hasher is None:
        hasher = PasswordHasher(time_cost=current_app.config["PASSWORD_TIME_COST"],
                                memory_cost=current_app.config["PASSWORD_MEMORY_KIB"])
        current_app.extensions["rounds.password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches. With no hash, a hash is still computed so timing tells nothing."""
    hasher = _hasher()
    if not password_hash:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
