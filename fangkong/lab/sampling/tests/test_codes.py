"""Personal sampling codes (R35): signed, checked without the database, refused when tampered
with, expired or not a code at all; a tube bound by codes."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fangkong.core.errors import ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import EntryMethod
from fangkong.lab.models import Binding, Tube
from fangkong.lab.sampling.codes import CODE_LIFETIME, sampling_code_issue, sampling_code_verify
from fangkong.lab.tests.factories import screening_make


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _issue(name: str = "张三", person_code: uuid.UUID | None = None) -> str:
    return sampling_code_issue(
        person_code=person_code or uuid.uuid4(), name=name, masked_id="1101**********0017"
    )


def _error_code(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    (error,) = exc.value.errors
    assert error["field"] == "sampling_code"
    return str(error["code"])


def test_a_code_is_verified_without_touching_the_database(db, django_assert_num_queries):
    person = uuid.uuid4()
    code = _issue(person_code=person)
    with django_assert_num_queries(0):
        checked = sampling_code_verify(code)
    assert checked.person_code == person
    assert checked.name == "张三"
    assert checked.masked_id == "1101**********0017"
    assert abs(checked.issued_at - time.time()) < 5


def test_a_code_checks_with_the_published_public_key_alone(db, api, tree, make_actor):
    s = screening_make(tree, residents=0)
    response = api(s.sampler).get("/api/v1/lab/sampling-codes/public-key")
    assert response.status_code == 200
    assert response.json()["algorithm"] == "Ed25519"
    key = Ed25519PublicKey.from_public_bytes(_unb64(response.json()["public_key"]))
    prefix, payload, signature = _issue().split(".")
    key.verify(_unb64(signature), f"{prefix}.{payload}".encode())  # an offline page does this
    with pytest.raises(InvalidSignature):
        key.verify(_unb64(signature), f"{prefix}.{payload}x".encode())


def test_a_code_with_a_changed_payload_is_refused():
    prefix, payload, signature = _issue(name="张三").split(".")
    data = json.loads(_unb64(payload))
    data["n"] = "李四"
    forged = f"{prefix}.{_b64(json.dumps(data, ensure_ascii=False).encode())}.{signature}"
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(forged)
    assert _error_code(exc) == "code_signature_invalid"


def test_a_code_with_a_changed_signature_is_refused():
    prefix, payload, signature = _issue().split(".")
    raw = bytearray(_unb64(signature))
    raw[10] ^= 0x01
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(f"{prefix}.{payload}.{_b64(bytes(raw))}")
    assert _error_code(exc) == "code_signature_invalid"


def test_a_code_signed_by_another_key_is_refused(settings):
    code = _issue()
    settings.FIELD_ENCRYPTION_KEY = "another-installation-key-" + "x" * 20
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(code)
    assert _error_code(exc) == "code_signature_invalid"


def test_an_old_code_has_expired():
    code = _issue()
    issued = sampling_code_verify(code).issued_at
    assert sampling_code_verify(code, now=issued + CODE_LIFETIME - 60).issued_at == issued
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(code, now=issued + CODE_LIFETIME + 1)
    assert _error_code(exc) == "code_expired"


def test_a_code_issued_in_the_future_is_refused():
    code = _issue()
    issued = sampling_code_verify(code).issued_at
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(code, now=issued - 2 * 3600)
    assert _error_code(exc) == "code_expired"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "FK1.only-two",
        "FK2.abc.def",
        "FK1.a.b.c",
        "https://example.org/?code=FK1",
        "FK1." + "A" * 700 + ".x",
        "\x00FK1.a.b",
    ],
)
def test_garbage_is_not_a_code(garbage):
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(garbage)
    assert _error_code(exc) == "code_malformed"


def test_a_validly_signed_code_with_a_broken_payload_is_malformed(settings):
    from fangkong.lab.sampling import codes

    signed = f"{codes.PREFIX}.{_b64(b'{not json')}"
    token = f"{signed}.{_b64(codes._key().sign(signed.encode()))}"
    with pytest.raises(ValidationFailed) as exc:
        sampling_code_verify(token)
    assert _error_code(exc) == "code_malformed"


def test_api_issues_and_verifies_a_code(tree, api):
    s = screening_make(tree, residents=1)
    client = api(s.sampler)
    issued = client.post(f"/api/v1/lab/people/{s.people[0].code}/sampling-code")
    assert issued.status_code == 200, issued.json()
    code = issued.json()["code"]
    checked = client.post("/api/v1/lab/sampling-codes/verify", {"code": code})
    assert checked.status_code == 200
    assert checked.json()["person"] == str(s.people[0].code)
    assert checked.json()["name"] == s.people[0].name
    assert s.ids[0] not in json.dumps(checked.json())  # only the masked number travels
    assert checked.json()["masked_id"].count("*") >= 8


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda c: c[:-6] + ("AAAAAA" if not c.endswith("AAAAAA") else "BBBBBB"), None),
        (lambda c: "garbage", "code_malformed"),
    ],
)
def test_api_verify_refuses_bad_codes(tree, api, mangle, code):
    s = screening_make(tree, residents=1)
    client = api(s.sampler)
    good = client.post(f"/api/v1/lab/people/{s.people[0].code}/sampling-code").json()["code"]
    response = client.post("/api/v1/lab/sampling-codes/verify", {"code": mangle(good)})
    assert response.status_code == 422
    (error,) = response.json()["detail"]["errors"]
    assert error["field"] == "code"
    assert error["code"] == (code or "code_signature_invalid")


def test_api_verify_needs_a_login(db):
    from django.test import Client

    response = Client().post(
        "/api/v1/lab/sampling-codes/verify", {"code": _issue()}, content_type="application/json"
    )
    assert response.status_code == 401


def test_a_tube_is_bound_by_sampling_codes(tree, api):
    s = screening_make(tree, residents=3)
    client = api(s.sampler)
    codes = [
        client.post(f"/api/v1/lab/people/{p.code}/sampling-code").json()["code"] for p in s.people
    ]
    response = client.post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "Q0001",
            "members": [{"sampling_code": code} for code in codes],
        },
    )
    assert response.status_code == 201, response.json()
    assert [m["person"] for m in response.json()["members"]] == [str(p.code) for p in s.people]
    bindings = Binding.objects.filter(tube__barcode="Q0001")
    assert {b.method for b in bindings} == {EntryMethod.SAMPLING_CODE}
    assert {b.doc_type for b in bindings} == {""}


def test_a_tube_with_a_forged_or_unknown_code_is_refused(tree, api):
    s = screening_make(tree, residents=1)
    client = api(s.sampler)
    good = client.post(f"/api/v1/lab/people/{s.people[0].code}/sampling-code").json()["code"]
    prefix, payload, signature = good.split(".")
    forged = f"{prefix}.{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{signature}"
    unknown = _issue(person_code=uuid.uuid4())  # validly signed, nobody registered
    before = (Tube.objects.count(), Binding.objects.count(), AuditEntry.objects.count())
    response = client.post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "Q0001",
            "members": [{"sampling_code": forged}, {"sampling_code": unknown}],
        },
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("members[0].sampling_code", "code_signature_invalid"),
        ("members[1].sampling_code", "person_unknown"),
    ]
    assert (Tube.objects.count(), Binding.objects.count(), AuditEntry.objects.count()) == before
