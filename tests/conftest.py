"""moto is started before the app is imported (boto3 clients made at import would otherwise
reach for real AWS); every test gets fresh resources deployed from infra/resources.yaml."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "STAGE": "local",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

_mock = mock_aws()
_mock.start()


def _one_user_pool_key() -> None:
    """moto parses the same private RSA key (its resources' jwks-private.json) for every user
    pool it makes, 0.3 s each; every test makes the helpdesk's pool anew. The key is the same
    file every time, so it is parsed once."""
    from moto.cognitoidp import models

    parsed = models.jwk.RSAKey.import_key(models.load_resource(
        "cognitoidp/resources/jwks-private.json"))

    class _Jwk:
        class RSAKey:
            @staticmethod
            def import_key(value, *args, **kwargs):
                return parsed

    models.jwk = _Jwk  # type: ignore[assignment]


def _one_template_parse() -> None:
    """moto's CloudFormation parses the template text with PyYAML's pure-Python loader on every
    create_stack (0.2 s); every test deploys the same infra/resources.yaml, so each text is
    parsed once and every stack gets its own copy of the result."""
    import copy
    from functools import cache

    from moto.cloudformation.models import Stack

    parse = cache(Stack.parse_template)
    Stack.parse_template = staticmethod(  # type: ignore[method-assign]
        lambda template: copy.deepcopy(parse(template)))


_one_user_pool_key()
_one_template_parse()


@pytest.fixture(scope="session")
def app_module():
    import app

    return app


@pytest.fixture(scope="session")
def prod_package(tmp_path_factory):
    """`./dev package prod` once per test process (10–20 s each): the folder with the
    deployment package, sam.json and transformed.json. Read it, never change it."""
    from devtools import package

    return package.package("prod", tmp_path_factory.mktemp("build"))


@pytest.fixture()
def aws():
    """Fresh moto state with the stack deployed; yields the stack outputs."""
    from moto.moto_api._internal import moto_api_backend

    from devtools import aws_resources

    moto_api_backend.reset()
    outputs = aws_resources.deploy()
    os.environ.update(aws_resources.create_helpdesk_pool())
    yield outputs


@pytest.fixture()
def browser(aws, app_module):
    from tests.support.browser import Browser

    return Browser(app_module.app)


@pytest.fixture()
def mailbox(aws):
    from tests.support.browser import Mailbox

    return Mailbox()


@pytest.fixture()
def helpdesk(aws, app_module):
    """A helpdesk employee signed in through (moto's) Cognito; also makes an outsider user."""
    from devtools import aws_resources
    from tests.support.browser import Browser
    from tests.support.flows import PASSWORD

    pool = {k: os.environ[k] for k in ("HELPDESK_USER_POOL_ID", "HELPDESK_CLIENT_ID")}
    aws_resources.create_helpdesk_user(pool, "medewerker@helpdesk.nl", PASSWORD)
    aws_resources.create_helpdesk_user(pool, "buiten@groep.nl", PASSWORD, group=None)
    agent = Browser(app_module.app)
    response = agent.submit("/helpdesk/inloggen", {"email": "medewerker@helpdesk.nl",
                                                   "wachtwoord": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/helpdesk"
    return agent


@pytest.fixture()
def delivered(browser, mailbox):
    """A representative, signed in, who sent one complete delivery for Groningen."""
    from tests.support import flows

    flows.register_fill_and_send(browser, mailbox, code="GM0014")
    return browser
