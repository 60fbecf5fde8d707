"""SEED-128 block cipher against the test vectors of RFC 4269, Appendix B."""

import pytest

from webapp.seoul.seed128 import seed_decrypt_block, seed_encrypt_block

RFC4269_VECTORS = [
    ("00000000000000000000000000000000", "000102030405060708090A0B0C0D0E0F", "5EBAC6E0054E166819AFF1CC6D346CDB"),
    ("000102030405060708090A0B0C0D0E0F", "00000000000000000000000000000000", "C11F22F20140505084483597E4370F43"),
    ("4706480851E61BE85D74BFB3FD956185", "83A2F8A288641FB9A4E9A5CC2F131C7D", "EE54D13EBCAE706D226BC3142CD40D4A"),
    ("28DBC3BC49FFD87DCFA509B11D422BE7", "B41E6BE2EBA84A148E2EED84593C5EC7", "9B9B7BFCD1813CB95D0B3618F40F5122"),
]


@pytest.mark.parametrize(("key", "plaintext", "ciphertext"), RFC4269_VECTORS)
def test_encrypt_block_matches_rfc4269_vector(key, plaintext, ciphertext):
    assert seed_encrypt_block(bytes.fromhex(key), bytes.fromhex(plaintext)) == bytes.fromhex(ciphertext)


@pytest.mark.parametrize(("key", "plaintext", "ciphertext"), RFC4269_VECTORS)
def test_decrypt_block_inverts_rfc4269_vector(key, plaintext, ciphertext):
    assert seed_decrypt_block(bytes.fromhex(key), bytes.fromhex(ciphertext)) == bytes.fromhex(plaintext)


@pytest.mark.parametrize(("key_len", "block_len"), [(15, 16), (17, 16), (32, 16), (16, 15), (16, 32), (16, 0)])
def test_blocks_refused_when_key_or_block_is_not_16_bytes(key_len, block_len):
    with pytest.raises(ValueError, match="16"):
        seed_encrypt_block(b"k" * key_len, b"b" * block_len)
    with pytest.raises(ValueError, match="16"):
        seed_decrypt_block(b"k" * key_len, b"b" * block_len)
