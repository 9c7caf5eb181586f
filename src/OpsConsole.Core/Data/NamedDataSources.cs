using System.Collections.Concurrent;
using Npgsql;

namespace OpsConsole.Core.Data;

/// <summary>
/// Every connection the console opens comes from a named data source. Npgsql labels its pool metrics with the data
/// source's name, which otherwise is the connection string (host, port, user, database), and /metrics is anonymous.
/// Cached for the process like Npgsql's own pools for plain connection strings; <see cref="ClearAll"/> is their
/// <c>NpgsqlConnection.ClearAllPools</c>.
/// </summary>
public static class NamedDataSources
{
    /// <summary>The runtime role's pool (EF Core and the services' own commands).</summary>
    public const string Console = "console";

    /// <summary>The owner's connections: migrations and grants.</summary>
    public const string Owner = "console-owner";

    private static readonly ConcurrentDictionary<(string ConnectionString, string Name), NpgsqlDataSource> Sources = new();

    public static NpgsqlDataSource Get(string connectionString, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Sources.GetOrAdd((connectionString, name), key => new NpgsqlDataSourceBuilder(key.ConnectionString) { Name = key.Name }.Build());
    }

    /// <summary>A new (closed) connection from the named pool; dispose it as usual.</summary>
    public static NpgsqlConnection CreateConnection(string connectionString, string name) => Get(connectionString, name).CreateConnection();

    /// <summary>Drops idle connections of every named pool (e.g. after the server restarted under them).</summary>
    public static void ClearAll()
    {
        foreach (var source in Sources.Values)
        {
            source.Clear();
        }
    }
}
