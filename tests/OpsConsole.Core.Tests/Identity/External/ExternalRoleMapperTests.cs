using OpsConsole.Core.Identity.External;

namespace OpsConsole.Core.Tests.Identity.External;

public sealed class ExternalRoleMapperTests
{
    private static OidcOptions Options() => new()
    {
        RoleMap = new(StringComparer.OrdinalIgnoreCase)
        {
            ["ops-admins"] = "Admin",
            ["ops-oncall"] = "Sre, OnCall",
            ["9f1c0000-0000-0000-0000-000000000001"] = "Compliance", // an Entra group object id
        },
    };

    [Fact]
    public void Mapped_values_give_their_roles_and_lists_expand()
    {
        Assert.Equal(["Admin", "OnCall", "Sre"], ExternalRoleMapper.Map(["ops-admins", "OPS-ONCALL"], Options()));
        Assert.Equal(["Compliance"], ExternalRoleMapper.Map(["9f1c0000-0000-0000-0000-000000000001"], Options()));
    }

    [Fact]
    public void A_value_naming_a_console_role_maps_directly_in_its_canonical_spelling()
    {
        Assert.Equal(["Auditor", "Viewer"], ExternalRoleMapper.Map(["viewer", "AUDITOR"], Options()));
    }

    [Fact]
    public void Unknown_values_give_nothing_and_duplicates_collapse()
    {
        Assert.Empty(ExternalRoleMapper.Map(["marketing", "Administrators", ""], Options()));
        Assert.Equal(["Admin"], ExternalRoleMapper.Map(["ops-admins", "Admin", "admin"], Options()));
    }
}

public sealed class OidcOptionsValidatorTests
{
    private static readonly OidcOptionsValidator Validator = new();

    [Fact]
    public void A_generic_provider_needs_an_absolute_authority_and_a_client_id()
    {
        var result = Validator.Validate(null, new OidcOptions { Authority = "idp.example.com" });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Authentication:Oidc:ClientId is required", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Authentication:Oidc:Authority must be an absolute URL", StringComparison.Ordinal));
    }

    [Fact]
    public void Entra_is_chosen_by_tenant_and_needs_the_instance()
    {
        Assert.True(Validator.Validate(null, new OidcOptions { ClientId = "c", TenantId = "t", Instance = "https://login.microsoftonline.com/" }).Succeeded);
        Assert.Contains(Validator.Validate(null, new OidcOptions { ClientId = "c", TenantId = "t" }).Failures!,
            f => f.Contains("Instance is required with TenantId", StringComparison.Ordinal));
    }

    [Fact]
    public void Role_map_values_must_be_console_roles()
    {
        var options = new OidcOptions { ClientId = "c", Authority = "https://idp.example.com/" };
        options.RoleMap["ops"] = "Sre, Superuser";

        var result = Validator.Validate(null, options);

        Assert.Equal(["Authentication:Oidc:RoleMap:ops names unknown role 'Superuser' (known: Admin, Sre, OnCall, Compliance, Auditor, Viewer, Display, Signer)."], result.Failures);
    }

    [Fact]
    public void Discovery_address_and_issuer_default_from_the_authority()
    {
        var options = new OidcOptions { Authority = "https://idp.example.com/realms/ops/" };

        Assert.Equal("https://idp.example.com/realms/ops/.well-known/openid-configuration", options.ProviderMetadataAddress);
        Assert.Equal("https://idp.example.com/realms/ops/", options.ProviderIssuer);
    }
}
