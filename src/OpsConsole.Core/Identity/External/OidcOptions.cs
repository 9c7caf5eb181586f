using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity.External;

/// <summary>
/// <c>Authentication:Oidc</c>: sign-in through an organisation's OpenID Connect provider (Microsoft.Identity.Web
/// binds the same section for Instance/TenantId/ClientId/ClientSecret/ClientCredentials). Entra ID is chosen by
/// Instance + TenantId; any other provider by Authority.
/// </summary>
public sealed class OidcOptions
{
    public const string SectionName = "Authentication:Oidc";

    /// <summary>Shown on the sign-in button: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "your organisation";

    public string? Instance { get; set; }

    public string? TenantId { get; set; }

    /// <summary>A generic provider's issuer URL (discovery at {Authority}/.well-known/openid-configuration).</summary>
    public string? Authority { get; set; }

    /// <summary>Overrides the discovery document's address (defaults from Authority).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The issuer tokens must carry; defaults to Authority.</summary>
    public string? Issuer { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The audience the provider's access tokens carry for the API; defaults to ClientId or api://ClientId.</summary>
    public string? Audience { get; set; }

    /// <summary>False only for a plain-http test provider.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim holding the provider's role or group values ("roles" for Entra app roles, "groups" for groups).</summary>
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>Provider value → console role(s), comma-separated. A value equal to a console role name maps to it directly.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Entra ID mode (its own issuer validation); otherwise a generic provider with a fixed issuer.</summary>
    public bool IsEntra => !string.IsNullOrWhiteSpace(TenantId);

    public string ProviderIssuer => (Issuer ?? Authority ?? "").Trim();

    public string ProviderMetadataAddress =>
        MetadataAddress ?? (Authority ?? "").TrimEnd('/') + "/.well-known/openid-configuration";
}

/// <summary>Startup validation: a misconfigured provider must stop the console, naming the key, not fail at first sign-in.</summary>
public sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{OidcOptions.SectionName}:ClientId is required.");
        }

        if (options.IsEntra)
        {
            if (string.IsNullOrWhiteSpace(options.Instance))
            {
                failures.Add($"{OidcOptions.SectionName}:Instance is required with TenantId (e.g. https://login.microsoftonline.com/).");
            }
        }
        else if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
        {
            failures.Add($"{OidcOptions.SectionName}:Authority must be an absolute URL (or set Instance and TenantId for Entra ID).");
        }

        if (string.IsNullOrWhiteSpace(options.RoleClaimType))
        {
            failures.Add($"{OidcOptions.SectionName}:RoleClaimType must not be empty.");
        }

        foreach (var (value, roles) in options.RoleMap)
        {
            foreach (var role in ExternalRoleMapper.Split(roles))
            {
                if (ConsoleRoles.Normalize(role) is null)
                {
                    failures.Add($"{OidcOptions.SectionName}:RoleMap:{value} names unknown role '{role}' (known: {string.Join(", ", ConsoleRoles.All)}).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary><c>Authentication:LocalAccounts</c>: local user names and passwords; turn off where the provider is the only way in.</summary>
public sealed class LocalAccountOptions
{
    public const string SectionName = "Authentication:LocalAccounts";

    public bool Enabled { get; set; } = true;
}
