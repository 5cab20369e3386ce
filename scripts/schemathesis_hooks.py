"""Silo's own string formats in its OpenAPI document, for tools that read the document.

Check digits cannot be written as a JSON Schema `pattern`, so the schemas of IBANs and VAT ids
are a string of a format of their own (see `crates/domain/src/company_ids.rs`, which holds the
rules):

- `iban`: an IBAN with valid MOD 97 check digits; a Dutch one (NL) has four letters of bank
  code and ten digits;
- `vat-id`: a VAT id; a Dutch one is NL, nine digits, B and two digits (not 00) and passes
  MOD 97 over the whole or the eleven-test over the nine digits.

Spaces and dots between the characters are allowed and ignored, as the patterns say.

Loaded by Schemathesis as hooks (`SCHEMATHESIS_HOOKS=scripts.schemathesis_hooks` from the
repository root, or `--hooks`), it registers generators of valid values, so that values drawn
from the schema are ones the server accepts. `is_iban` and `is_vat_id` are the same rules as
format checkers (the server's schema agreement test validates with them).
"""

import random
import string


def _compact(s):
    return s.replace(" ", "").replace(".", "").upper()


def _mod97(s):
    rest = 0
    for c in s:
        v = int(c, 36)
        rest = (rest * (100 if v >= 10 else 10) + v) % 97
    return rest


def _allowed(s, extra):
    return all(c in extra or c in " ." for c in s)


def is_iban(s):
    """The server's IBAN rule."""
    if not isinstance(s, str) or not _allowed(s, string.ascii_letters + string.digits):
        return False
    iban = _compact(s)
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit()):
        return False
    if iban.startswith("NL") and not (
        len(iban) == 18 and iban[4:8].isalpha() and iban[8:].isdigit()
    ):
        return False
    return _mod97(iban[4:] + iban[:4]) == 1


def _eleven_test(digits):
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1)))
    return (total - int(digits[8])) % 11 == 0


def is_vat_id(s):
    """The server's VAT id rule."""
    if not isinstance(s, str) or not _allowed(s, string.ascii_letters + string.digits):
        return False
    v = _compact(s)
    if not (4 <= len(v) <= 15 and v[:2].isalpha()):
        return False
    if not v.startswith("NL"):
        return True
    return (
        len(v) == 14
        and v[2:11].isdigit()
        and v[11] == "B"
        and v[12:].isdigit()
        and v[12:] != "00"
        and (_mod97(v) == 1 or _eleven_test(v[2:11]))
    )


def iban_with_check(country, bban):
    """The IBAN of `bban` in `country`, with its check digits."""
    check = 98 - _mod97(bban + country + "00")
    return f"{country}{check:02d}{bban}"


FORMATS = {"iban": is_iban, "vat-id": is_vat_id}


def png_header(width, height):
    """The start of a PNG of `width` by `height` pixels: what the server reads of a logo."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + b"\0\0\0\0"


def jpeg_header(width, height):
    """A JPEG's start and start-of-frame marker for `width` by `height` pixels."""
    frame = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
    return b"\xff\xd8\xff\xc0" + (len(frame) + 2).to_bytes(2, "big") + frame + b"\xff\xd9"


def _register():
    try:
        import schemathesis
        from hypothesis import strategies as st
    except ImportError:
        return
    letters = st.text(string.ascii_uppercase, min_size=4, max_size=4)
    digits = lambda n: st.text(string.digits, min_size=n, max_size=n)  # noqa: E731
    dutch_iban = st.builds(lambda bank, account: iban_with_check("NL", bank + account), letters, digits(10))
    german_iban = st.builds(lambda account: iban_with_check("DE", account), digits(18))
    schemathesis.openapi.format("iban", st.one_of(dutch_iban, german_iban))

    def rsin_vat(seed):
        rng = random.Random(seed)
        while True:
            nine = "".join(rng.choice(string.digits) for _ in range(9))
            if _eleven_test(nine):
                return f"NL{nine}B{rng.randint(1, 99):02d}"

    belgian = st.builds(lambda n: "BE" + n, digits(10))
    schemathesis.openapi.format("vat-id", st.one_of(st.integers(0, 2**32).map(rsin_vat), belgian))

    # Raw bodies (`PUT /api/company/logo`): the server reads the image's header, so a body of
    # the media type is an image of that type (any size between 1 and 4096 pixels a side).
    schemathesis.openapi.media_type("image/png", st.builds(png_header, st.integers(1, 4096), st.integers(1, 4096)))
    schemathesis.openapi.media_type("image/jpeg", st.builds(jpeg_header, st.integers(1, 4096), st.integers(1, 4096)))
    # A paper signature's scan (`PUT /api/contracts/{id}/paper-signature`): the server reads the
    # PDF's header.
    schemathesis.openapi.media_type("application/pdf", st.builds(lambda rest: b"%PDF-1.7\n" + rest, st.binary(max_size=256)))


_register()


# --- What "schema-valid request rejected" means for Silo -----------------------------------------
#
# The request schemas state every rule about a request's *form* (lengths, formats, ranges,
# required fields), and the server refuses nothing of that form that they allow. Some refusals do
# not depend on the form at all, and no schema can state them: a reference to a record that does
# not exist in this company, a wrong password or code, a link that is used up, a total computed
# from several fields, a rule about the company's state (confirming erasure with the slug,
# requiring two-factor before one has it). Those answer 422 with one of the codes below, and
# only those: Schemathesis's own acceptance check takes 422 as allowed, and this check fails any
# 422 to a schema-valid request whose problems include a code about form.

# A webhook endpoint's address is also judged by where it points, which depends on the deployment
# (`--webhook-allow-private`) and on DNS, not on its form: `private_address` and `not_https`.
STATE_DEPENDENT = {
    "unknown_reference",
    "missing_detail",
    "wrong",
    "link_unusable",
    "total_too_large",
    "rule",
    "private_address",
    "not_https",
}

try:
    import schemathesis

    @schemathesis.check
    def schema_valid_form_accepted(ctx, response, case):
        """A schema-valid request is never refused for its form."""
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
            return None
        problems = (response.json().get("error") or {}).get("problems") or {}
        about_form = {
            field: p.get("code")
            for field, p in problems.items()
            if p.get("code") not in STATE_DEPENDENT
        }
        if about_form or not problems:
            raise AssertionError(f"a schema-valid request was refused for its form: {about_form}")
        return None

    @schemathesis.check
    def only_uploads_refuse_their_type(ctx, response, case):
        """Only a file upload may refuse a schema-valid request with 415 (its sniffed bytes)."""
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive or response.status_code != 415:
            return None
        code = (response.json().get("error") or {}).get("code")
        if case.media_type != "application/octet-stream" or code != "unsupported_media_type":
            raise AssertionError(f"a schema-valid {case.media_type} request was refused with 415")
        return None

except ImportError:  # the formats above are also used without Schemathesis
    pass
