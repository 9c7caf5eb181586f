using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity.External;

/// <summary>Turns a provider's role/group claim values into console roles through <see cref="OidcOptions.RoleMap"/>.</summary>
public static class ExternalRoleMapper
{
    public static IReadOnlyList<string> Map(IEnumerable<string> providerValues, OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(providerValues);
        ArgumentNullException.ThrowIfNull(options);
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var value in providerValues)
        {
            if (options.RoleMap.TryGetValue(value.Trim(), out var mapped))
            {
                foreach (var role in Split(mapped))
                {
                    if (ConsoleRoles.Normalize(role) is { } known)
                    {
                        roles.Add(known);
                    }
                }
            }
            else if (ConsoleRoles.Normalize(value) is { } direct)
            {
                roles.Add(direct); // e.g. an Entra app role named "Sre"
            }
        }

        return [.. roles];
    }

    internal static IEnumerable<string> Split(string roles) =>
        roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
