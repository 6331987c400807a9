"""RFC 9449's own examples, where they can be checked: §4.1's proof, §7.1's proof and ath,
and §6.1's jkt (the thumbprint of the examples' key)."""

from __future__ import annotations

from gatehouse.jose import JWK, decode_unverified
from gatehouse.jose.dpop import access_token_hash, check_proof

# §4.1, Figure 1 (unwrapped).
TOKEN_REQUEST_PROOF = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNo"
    "UklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERW"
    "clUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0"
    "dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-F"
    "dWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"
)
# §7.1, Figure 13 (unwrapped) and the access token it is presented with.
RESOURCE_PROOF = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNo"
    "UklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERW"
    "clUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1"
    "IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwi"
    "YXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71"
    "EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA"
)
RESOURCE_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
EXAMPLE_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"  # §6.1, Figure 8
EXAMPLE_JWK = {
    "kty": "EC",
    "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
    "crv": "P-256",
}


def test_section_4_1_proof_has_the_documented_structure() -> None:
    """§4.1's proof decodes to Figure 2's header and claims."""
    header, claims = decode_unverified(TOKEN_REQUEST_PROOF)
    assert header == {"typ": "dpop+jwt", "alg": "ES256", "jwk": EXAMPLE_JWK}
    assert claims == {
        "jti": "-BwC3ESc6acc2lTc",
        "htm": "POST",
        "htu": "https://server.example.com/token",
        "iat": 1562262616,
    }


def test_section_4_1_proof_verifies_at_its_iat() -> None:
    """§4.1's proof passes every check for POST https://server.example.com/token."""
    proof = check_proof(
        TOKEN_REQUEST_PROOF, method="POST", url="https://server.example.com/token", now=1562262616
    )
    assert proof.jkt == EXAMPLE_JKT


def test_section_7_1_proof_verifies_with_its_access_token() -> None:
    """§7.1's resource proof verifies, ath included, for the example's access token."""
    proof = check_proof(
        RESOURCE_PROOF,
        method="GET",
        url="https://resource.example.org/protectedresource",
        now=1562262618,
        access_token=RESOURCE_TOKEN,
    )
    assert proof.claims["ath"] == access_token_hash(RESOURCE_TOKEN)
    assert proof.jkt == EXAMPLE_JKT


def test_section_6_1_jkt_is_the_thumbprint_of_the_example_key() -> None:
    """§6.1's cnf.jkt is the RFC 7638 SHA-256 thumbprint of the examples' key."""
    assert JWK.from_dict(EXAMPLE_JWK).thumbprint() == EXAMPLE_JKT
