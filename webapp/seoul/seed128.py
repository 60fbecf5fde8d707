"""SEED-128 (KISA's 128-bit block cipher, RFC 4269), one block at a time.

The Seoul parking OpenAPI (seed 000, section 2.2.1) protects ``infra_id`` with
SEED in ECB mode over single 16-byte blocks, so this module offers exactly that
and nothing more: no modes, no padding. pycryptodome has no SEED; the
``cryptography`` package keeps it among its "decrepit" (legacy) ciphers.
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import SEED
from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK_SIZE = 16
KEY_SIZE = 16


def _cipher(key16: bytes, block16: bytes) -> Cipher:
    if len(key16) != KEY_SIZE:
        raise ValueError(f"SEED-128 needs a {KEY_SIZE}-byte key, got {len(key16)} bytes")
    if len(block16) != BLOCK_SIZE:
        raise ValueError(f"SEED-128 works on {BLOCK_SIZE}-byte blocks, got {len(block16)} bytes")
    # ECB over exactly one block is the raw block permutation the seed asks for.
    return Cipher(SEED(bytes(key16)), modes.ECB())  # noqa: S305 (single blocks, by protocol)


def seed_encrypt_block(key16: bytes, block16: bytes) -> bytes:
    """Encrypt one 16-byte block with SEED-128.

    Args:
        key16: the 16-byte key.
        block16: the 16-byte plaintext block.

    Returns:
        The 16-byte ciphertext block.

    Raises:
        ValueError: the key or the block is not exactly 16 bytes.
    """
    encryptor = _cipher(key16, block16).encryptor()
    return encryptor.update(bytes(block16)) + encryptor.finalize()


def seed_decrypt_block(key16: bytes, block16: bytes) -> bytes:
    """Decrypt one 16-byte block with SEED-128.

    Args:
        key16: the 16-byte key.
        block16: the 16-byte ciphertext block.

    Returns:
        The 16-byte plaintext block.

    Raises:
        ValueError: the key or the block is not exactly 16 bytes.
    """
    decryptor = _cipher(key16, block16).decryptor()
    return decryptor.update(bytes(block16)) + decryptor.finalize()
