using OpsConsole.Core.Hosting;

namespace OpsConsole.Web.Hosting;

/// <summary>Where the console's database is: `ConnectionStrings:Console` when set, otherwise the embedded cluster.</summary>
public sealed class ConsoleDatabaseConnection : IAsyncDisposable
{
    private ConsoleDatabaseConnection(string connectionString, EmbeddedPostgres? embedded)
    {
        ConnectionString = connectionString;
        Embedded = embedded;
    }

    public string ConnectionString { get; }

    /// <summary>The embedded cluster this process started (null for an external database or an attached cluster).</summary>
    public EmbeddedPostgres? Embedded { get; }

    public static async Task<ConsoleDatabaseConnection> ResolveAsync(
        IConfiguration configuration, string dataDirectory, bool attachToRunning, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetConnectionString("Console");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            logger.LogInformation("Using the PostgreSQL server from ConnectionStrings:Console; no embedded cluster is started");
            return new ConsoleDatabaseConnection(configured, null);
        }

        try
        {
            var embedded = await EmbeddedPostgres.StartAsync(
                new EmbeddedPostgresOptions { DataDirectory = dataDirectory, AttachToRunning = attachToRunning },
                logger,
                cancellationToken);
            return new ConsoleDatabaseConnection(embedded.ConnectionString, embedded.OwnsServer ? embedded : null);
        }
        catch (PostgresBinariesNotFoundException ex)
        {
            throw new StartupException(ex.Message, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Embedded is not null)
        {
            await Embedded.DisposeAsync();
        }
    }
}
