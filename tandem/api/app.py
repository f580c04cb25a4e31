"""The NinjaAPI instance: token auth, one error format, and the routers of each area."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from tandem.access import login, ratelimit
from tandem.access.services import token_authenticate
from tandem.api.webhooks_schema import webhooks_section
from tandem.errors import InvalidInput
from tandem.ops import busy
from tandem.ops.views import busy_response


class TokensThrottled(Exception):
    """Too many bad tokens from this address: no token is looked up until the window ends."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(f"too many bad API tokens from this address; wait {seconds} seconds")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdm_…`` — a personal token acting with its owner's role."""

    def authenticate(self, request, token: str):
        address = ratelimit.client_address(request)
        wait = login.token_wait(address=address)
        if wait is not None:
            raise TokensThrottled(wait)
        user = token_authenticate(token)
        if user is None:
            login.token_failed(address=address)
            return None
        request.user = user
        return user


# Operation ids are published: clients generate code from them. They keep the name of the module
# a route was first released from (crm, together, relay) whatever its router is called now.
PUBLISHED_MODULES = {
    "tandem.api.people": "tandem.api.crm",
    "tandem.api.collaboration": "tandem.api.together",
}


class TandemAPI(NinjaAPI):
    """The NinjaAPI whose operation ids outlive a rename of the router modules."""

    def get_openapi_operation_id(self, operation) -> str:
        """``<module>_<view>`` as ninja names it, under the module's published name."""
        module = operation.view_func.__module__
        published = PUBLISHED_MODULES.get(module, module)
        return f"{published}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The generated document plus the ``webhooks`` section: the messages Tandem sends."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        webhooks_section(schema)
        return schema


api = TandemAPI(
    title="Tandem API",
    version="1",
    description=(
        "Contacts, accounts, touches, form submissions, lifecycle moves, leads and deals. "
        'Every error answers `{"errors": [{"field": …, "message": …}]}`.'
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
)


def _errors(status: int, items: list[dict[str, str]]):
    return api.create_response(None, {"errors": items}, status=status)  # type: ignore[arg-type]


def _field_of(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return _errors(
        422,
        [
            {"field": _field_of(list(e.get("loc", []))), "message": e.get("msg", "")}
            for e in exc.errors
        ],
    )


@api.exception_handler(InvalidInput)
def on_invalid_input(request, exc: InvalidInput):
    return _errors(422, [{"field": f, "message": m} for f, m in exc.errors.items()])


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc: PermissionDenied):
    return _errors(403, [{"field": "", "message": str(exc) or "not allowed"}])


@api.exception_handler(Http404)
def on_not_found(request, exc: Http404):
    return _errors(404, [{"field": "", "message": str(exc) or "not found"}])


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc: AuthenticationError):
    return _errors(401, [{"field": "Authorization", "message": "a valid API token is required"}])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc: RequestDataTooBig):
    # Django refuses the body (DATA_UPLOAD_MAX_MEMORY_SIZE) with a bare HTML 400 page otherwise.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return _errors(413, [{"field": "", "message": f"the request body is over {limit} KB"}])


@api.exception_handler(TokensThrottled)
def on_tokens_throttled(request, exc: TokensThrottled):
    response = _errors(429, [{"field": "Authorization", "message": str(exc)}])
    response["Retry-After"] = str(exc.seconds)
    return response


@api.exception_handler(OperationalError)
def on_database_error(request, exc: OperationalError):
    if busy.is_busy(exc):
        return busy_response(request)
    raise exc


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _errors(exc.status_code, [{"field": "", "message": str(exc)}])


from tandem.api import (  # noqa: E402  (routers register on the api above)
    collaboration,
    exports,
    fields,
    handoff,
    imports,
    mailing,
    marketing,
    orders,
    people,
    people_consent,
    people_merge,
    privacy,
    reports,
    sales,
    segments,
    webhooks,
)

# One router per app, named as the app it serves.
for app in (
    people,
    people_merge,
    people_consent,
    fields,
    collaboration,
    segments,
    marketing,
    mailing,
    sales,
    orders,
    reports,
    handoff,
    imports,
    webhooks,
    exports,
    privacy,
):
    api.add_router("/", app.router)
