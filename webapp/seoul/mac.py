"""The Seoul parking OpenAPI's ``infra_id`` protection (seed 000, 2.2.1.1/2.2.1.2).

ParkWritePost and ParkOperPost do not send the lot's ``infra_id`` in clear:

1. build a 16-byte MAC from three wire fields — ParkWritePost: the first <= 8
   bytes of ``parking_lot_name`` + the first <= 4 bytes of ``capacity`` + the
   last <= 4 bytes of ``sync_time``; ParkOperPost: the first <= 8 bytes of
   ``key`` + the first <= 4 bytes of ``weekday_begin_time`` + the last <= 4
   bytes of ``sync_time`` — and right-pad it with ASCII ``'0'`` (0x30) to 16;
2. ``k = SEED-128-ECB(secret_key, MAC)``;
3. ``infra_id' = SEED-128-ECB(k, infra_id right-padded with '0' to 16)``;
4. the wire value is ``base64(infra_id')``. The seed's step 라 calls that
   "32Byte"; base64 of 16 bytes is 24 characters (30 once URL-encoded, as in
   its example ``A1fyhSvh%2B60IBJQo6fjmcQ%3D%3D``).

Decisions where the seed is silent:

* Bytes, not characters. Every MAC field is encoded to CP949 first (the seed's
  example turns "세종로" into BC BC C1 BE B7 CE, which is CP949/EUC-KR, although
  the form itself travels as UTF-8) and then cut by bytes. When the 8-byte cut
  falls inside a two-byte Korean character, the lone lead byte stays in the
  MAC: both sides cut the same bytes and nobody ever decodes the cut, so the
  result is deterministic. ASCII fields (key, times, capacity) encode the same
  in CP949 as in ASCII.
* A lot name with a character CP949 cannot encode (emoji, most hanja outside
  KS X 1001) cannot form a MAC: ``MacInputError``; the receiver answers 0100.
* ``infra_id`` is an identifier we issue: 1 to 16 ASCII characters. Anything
  longer cannot fit the one SEED block the seed encrypts, so it is an invalid
  code value: ``encrypt_infra_id`` raises ``InfraIdError`` and verification
  treats such a candidate as never matching.
* The '0' padding makes ``"17"`` and ``"170"`` encrypt identically under one
  secret. ``match_infra_id`` therefore refuses an ambiguous wire value (more
  than one candidate matches) rather than guess; issue ids accordingly.
* Secret keys are 16 bytes, given as ``bytes`` or as a 16-character ASCII
  string (the form in which an operator receives it).
* A receiver gets ``'+'`` as ``' '`` when an operator forgets to URL-encode the
  base64 text; spaces cannot occur in base64, so they are turned back into
  ``'+'`` before decoding.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable

from webapp.seoul.seed128 import BLOCK_SIZE, KEY_SIZE, seed_encrypt_block

MAC_SIZE = BLOCK_SIZE
PAD_BYTE = b"0"
MAC_TEXT_ENCODING = "cp949"

#: purpose label under which lots' secret keys are sealed (webapp.core.sealing)
SEALING_PURPOSE = "seoul-lot-secret-key"


class MacInputError(ValueError):
    """A MAC field cannot be turned into bytes (not encodable in CP949)."""


class InfraIdError(ValueError):
    """An ``infra_id`` that cannot be protected: empty, not ASCII or over 16 bytes."""


def _field_bytes(name: str, value: str) -> bytes:
    try:
        return value.encode(MAC_TEXT_ENCODING)
    except UnicodeEncodeError as exc:
        raise MacInputError(f"{name} has characters outside CP949: {exc.reason}") from exc


def build_mac(head: bytes, middle: bytes, tail: bytes) -> bytes:
    """Combine already-encoded MAC fields into the 16-byte MAC.

    Args:
        head: the first field's bytes; its first <= 8 bytes are used.
        middle: the second field's bytes; its first <= 4 bytes are used.
        tail: the third field's bytes; its last <= 4 bytes are used.

    Returns:
        The 16-byte MAC, right-padded with ASCII '0'.
    """
    mac = head[:8] + middle[:4] + tail[-4:]
    return mac.ljust(MAC_SIZE, PAD_BYTE)


def park_write_mac(parking_lot_name: str, capacity: str, sync_time: str) -> bytes:
    """Build the ParkWritePost MAC from the wire values (seed 2.2.1.1 가).

    Args:
        parking_lot_name: the lot name exactly as sent.
        capacity: the capacity text exactly as sent (e.g. "124", not an int).
        sync_time: the sync time text exactly as sent ("2013-03-01 10:00:20.320").

    Returns:
        The 16-byte MAC.

    Raises:
        MacInputError: a value has characters CP949 cannot encode.
    """
    return build_mac(
        _field_bytes("parking_lot_name", parking_lot_name),
        _field_bytes("capacity", capacity),
        _field_bytes("sync_time", sync_time),
    )


def park_oper_mac(key: str, weekday_begin_time: str, sync_time: str) -> bytes:
    """Build the ParkOperPost MAC from the wire values (seed 2.2.1.2 가).

    Args:
        key: the operator's API key exactly as sent.
        weekday_begin_time: the HHMM text exactly as sent.
        sync_time: the sync time text exactly as sent.

    Returns:
        The 16-byte MAC.

    Raises:
        MacInputError: a value has characters CP949 cannot encode.
    """
    return build_mac(
        _field_bytes("key", key),
        _field_bytes("weekday_begin_time", weekday_begin_time),
        _field_bytes("sync_time", sync_time),
    )


def _secret_bytes(secret_key: bytes | str) -> bytes:
    raw = secret_key.encode("ascii") if isinstance(secret_key, str) else bytes(secret_key)
    if len(raw) != KEY_SIZE:
        raise ValueError(f"a Seoul secret key is {KEY_SIZE} bytes, got {len(raw)}")
    return raw


def _infra_id_block(infra_id: str) -> bytes:
    if not infra_id or not infra_id.isascii() or len(infra_id) > BLOCK_SIZE:
        raise InfraIdError(f"infra_id must be 1 to {BLOCK_SIZE} ASCII characters")
    return infra_id.encode("ascii").ljust(BLOCK_SIZE, PAD_BYTE)


def _protected_block(infra_id: str, secret_key: bytes | str, mac: bytes) -> bytes:
    if len(mac) != MAC_SIZE:
        raise ValueError(f"the MAC is {MAC_SIZE} bytes, got {len(mac)}")
    session_key = seed_encrypt_block(_secret_bytes(secret_key), mac)
    return seed_encrypt_block(session_key, _infra_id_block(infra_id))


def _wire_block(wire_value: str) -> bytes | None:
    try:
        block = base64.b64decode(wire_value.strip().replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return block if len(block) == BLOCK_SIZE else None


def encrypt_infra_id(infra_id: str, secret_key: bytes | str, mac: bytes) -> str:
    """Protect ``infra_id`` for the wire (operator side).

    Args:
        infra_id: the lot's identifier as issued, 1 to 16 ASCII characters.
        secret_key: the lot's 16-byte secret key (bytes or 16 ASCII characters).
        mac: the 16-byte MAC from ``park_write_mac`` or ``park_oper_mac``.

    Returns:
        The base64 text to send as ``infra_id`` (24 characters).

    Raises:
        InfraIdError: ``infra_id`` is empty, not ASCII or longer than 16 bytes.
        ValueError: the secret key or the MAC has the wrong length.
    """
    return base64.b64encode(_protected_block(infra_id, secret_key, mac)).decode("ascii")


def verify_infra_id(wire_value: str, infra_id: str, secret_key: bytes | str, mac: bytes) -> bool:
    """Check that ``wire_value`` protects ``infra_id`` under ``secret_key`` (receiver side).

    Args:
        wire_value: the ``infra_id`` form value as received.
        infra_id: the identifier the receiver expects.
        secret_key: that lot's 16-byte secret key.
        mac: the MAC the receiver rebuilt from the same request's fields.

    Returns:
        True when they match; False otherwise, including for a malformed wire
        value or an ``infra_id`` that cannot be protected at all.

    Raises:
        ValueError: the secret key or the MAC has the wrong length.
    """
    received = _wire_block(wire_value)
    try:
        expected = _protected_block(infra_id, secret_key, mac)
    except InfraIdError:
        return False
    # compare_digest: the answer's timing must not tell how close a forgery came.
    return received is not None and hmac.compare_digest(received, expected)


def match_infra_id(
    wire_value: str,
    candidates: Iterable[tuple[str, bytes | str]],
    mac: bytes,
) -> str | None:
    """Find the lot whose secret protects its own ``infra_id`` as ``wire_value``.

    The receiver knows the API key and the lots registered under it, each with
    its own secret; this tries every one of them (no early exit).

    Args:
        wire_value: the ``infra_id`` form value as received.
        candidates: ``(infra_id, secret_key)`` pairs of the key's lots.
        mac: the MAC the receiver rebuilt from the request's fields.

    Returns:
        The matching ``infra_id``, or None when no lot matches or when more than
        one does (see the padding note in the module docstring).

    Raises:
        ValueError: a candidate's secret key or the MAC has the wrong length.
    """
    received = _wire_block(wire_value)
    matches = []
    for infra_id, secret_key in candidates:
        try:
            expected = _protected_block(infra_id, secret_key, mac)
        except InfraIdError:
            continue
        if received is not None and hmac.compare_digest(received, expected):
            matches.append(infra_id)
    return matches[0] if len(matches) == 1 else None
