using System.Security.Claims;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>Callers for service-level tests: Core services check the principal they are given, not the HTTP request.</summary>
public static class TestPrincipals
{
    public static ClaimsPrincipal Of(string name, string role, string? id = null) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, id ?? Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, role)],
            "test"));
}
