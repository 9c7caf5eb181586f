namespace OpsConsole.Core.Demo;

/// <summary>What the demo will do, decided when the host is built: run SampleShop (and how), or skip it and why.</summary>
public sealed record DemoPlan(
    string? SkipReason,
    string ShopAssembly,
    string DataDirectory,
    string? AdminConnectionString,
    string? ShopConnectionString)
{
    public bool Runs => SkipReason is null;

    /// <param name="clusterAdminConnectionString">The embedded cluster's superuser, or null with an external database.</param>
    public static DemoPlan Create(DemoOptions options, string contentRoot, string dataDirectory, string? clusterAdminConnectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        var assembly = options.ResolveAssembly(contentRoot);
        string? reason = null;
        if (!File.Exists(assembly))
        {
            reason = $"SampleShop is not built ({assembly} is missing); build it with `dotnet build src/SampleShop -c Release` or set Demo:Assembly";
        }
        else if (clusterAdminConnectionString is null && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            reason = "the console uses an external database (ConnectionStrings:Console) and Demo:ConnectionString, SampleShop's own database, is not set";
        }

        return new DemoPlan(
            reason,
            assembly,
            dataDirectory,
            string.IsNullOrWhiteSpace(options.ConnectionString) ? clusterAdminConnectionString : null,
            string.IsNullOrWhiteSpace(options.ConnectionString) ? null : options.ConnectionString);
    }
}
