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
                new EmbeddedPostgresOptions { DataDirectory = dataDirectory }, logger, cancellationToken);
            return new ConsoleDatabaseConnection(embedded.ConnectionString, embedded);
        }
        catch (DataDirectoryInUseException) when (attachToRunning && File.Exists(ConnectionStringFile(dataDirectory)))
        {
            // A running console owns the cluster: admin commands use it through its connection string and leave it running.
            var connectionString = (await File.ReadAllTextAsync(ConnectionStringFile(dataDirectory), cancellationToken)).Trim();
            return new ConsoleDatabaseConnection(connectionString, null);
        }
        catch (Exception ex) when (ex is PostgresBinariesNotFoundException or EmbeddedPostgresException or TimeoutException)
        {
            throw new StartupException(ex.Message, ex);
        }
    }

    private static string ConnectionStringFile(string dataDirectory) => Path.Combine(dataDirectory, "connection-string");

    public async ValueTask DisposeAsync()
    {
        if (Embedded is not null)
        {
            await Embedded.DisposeAsync();
        }
    }
}
