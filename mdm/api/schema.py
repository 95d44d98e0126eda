"""OpenAPI pieces drf-spectacular cannot infer: how integration tokens authenticate."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "mdm.api.authentication.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API token of your source system: `Authorization: Bearer rst_...`. "
                           "Tokens are issued per system, stored hashed, revocable and rotatable.",
        }


class FieldSelectableSerializer(OpenApiSerializerExtension):
    """`?fields=` may leave out any field, so no field of these responses is required."""

    target_class = "mdm.api.serializers.DynamicFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema.pop("required", None)
        return schema
