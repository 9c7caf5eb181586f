using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Web.Hosting;

/// <summary>
/// Where the console's database is: `ConnectionStrings:Console` (the runtime role) and optionally
/// `ConnectionStrings:ConsoleOwner` (the role that migrates) when set, otherwise the embedded cluster, where the
/// superuser migrates and the console works as the unprivileged <see cref="ConsoleRuntimeRole.EmbeddedRoleName"/>.
/// </summary>
public sealed class ConsoleDatabaseConnection : IAsyncDisposable
{
    private ConsoleDatabaseConnection(ConsoleConnectionStrings connections, EmbeddedPostgres? embedded)
    {
        Connections = connections;
        Embedded = embedded;
    }

    public ConsoleConnectionStrings Connections { get; }

    /// <summary>The runtime connection string.</summary>
    public string ConnectionString => Connections.Runtime;

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
            var owner = configuration.GetConnectionString("ConsoleOwner");
            return new ConsoleDatabaseConnection(new ConsoleConnectionStrings(configured, string.IsNullOrWhiteSpace(owner) ? configured : owner), null);
        }

        try
        {
            var embedded = await EmbeddedPostgres.StartAsync(
                new EmbeddedPostgresOptions { DataDirectory = dataDirectory }, logger, cancellationToken);
            try
            {
                var runtime = await ConsoleRuntimeRole.EnsureEmbeddedAsync(embedded.ConnectionString, dataDirectory, cancellationToken);
                return new ConsoleDatabaseConnection(new ConsoleConnectionStrings(runtime, embedded.ConnectionString), embedded);
            }
            catch
            {
                await embedded.DisposeAsync();
                throw;
            }
        }
        catch (DataDirectoryInUseException) when (attachToRunning && File.Exists(ConnectionStringFile(dataDirectory)))
        {
            // A running console owns the cluster: admin commands use it through its connection string and leave it running.
            // The file holds the owner's connection string: admin commands migrate and seed as the owner.
            var connectionString = (await File.ReadAllTextAsync(ConnectionStringFile(dataDirectory), cancellationToken)).Trim();
            return new ConsoleDatabaseConnection(new ConsoleConnectionStrings(connectionString, connectionString), null);
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
