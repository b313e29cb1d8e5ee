"""Import tokens and wrapped material travel only over TLS, except to loopback."""

import pytest

from byok.errors import InsecureEndpoint
from byok.kms.transport import require_secure_endpoint


@pytest.mark.parametrize(
    "url",
    [
        None,
        "https://kms.eu-central-1.example",
        "http://127.0.0.1:5000",
        "http://localhost:4566",
        "http://[::1]:80",
    ],
)
def test_accepted(url):
    require_secure_endpoint(url)


@pytest.mark.parametrize("url", ["http://10.0.0.5:4566", "http://kms.internal", "ftp://127.0.0.1"])
def test_refused_with_reason(url):
    with pytest.raises(InsecureEndpoint) as caught:
        require_secure_endpoint(url)
    assert "only over TLS" in str(caught.value)
    assert "loopback" in str(caught.value)
