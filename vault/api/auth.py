"""REST endpoints: API tokens and who the caller is (design.md §6)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from vault.accounts import ratelimit, services
from vault.accounts.access import own_athlete
from vault.accounts.models import Role


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    public_id = serializers.CharField(allow_null=True, help_text="The caller's athlete public_id, if any.")


ERROR_SHAPE = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)


@extend_schema(
    operation_id="auth_token_create",
    request=TokenRequestSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(ERROR_SHAPE, description="Wrong username or password (never says which)."),
        429: OpenApiResponse(ERROR_SHAPE, description="Too many failed attempts for the account or address."),
    },
    auth=[],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def token_create(request):
    """Exchange a username and password for the API token (the same one on every call)."""
    body = TokenRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        user = services.signin_authenticate(
            request=request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
    except ratelimit.RateLimited as exc:
        raise exceptions.Throttled(detail=str(exc)) from None
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"non_field_errors": exc.messages}) from None
    token, _ = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})


@extend_schema(operation_id="me_retrieve", responses={200: MeSerializer})
@api_view(["GET"])
def me(request):
    """The caller: username, role and their athlete public_id (null for coaches and admins without one)."""
    athlete = own_athlete(request.user)
    role = Role.ADMIN if request.user.is_superuser else request.user.role
    return Response(
        {"username": request.user.username, "role": role, "public_id": athlete.public_id if athlete else None}
    )


urlpatterns = [
    path("auth/token/", token_create, name="auth-token"),
    path("me/", me, name="me"),
]
