namespace OpsConsole.Core.Hosting;

/// <summary>Settings for the private PostgreSQL cluster the console starts when no connection string is configured.</summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>Console data directory (e.g. ".data"); the cluster lives in <c>{DataDirectory}/postgres</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Application database, created on first start if missing.</summary>
    public string DatabaseName { get; init; } = "opsconsole";

    /// <summary>Upper bound for the server to start and accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Write <c>{DataDirectory}/connection-string</c> (mode 0600) so operators and tools can reach the database.</summary>
    public bool WriteConnectionStringFile { get; init; } = true;

    /// <summary>Extra initdb arguments, used only when the cluster is created (tests: <c>--waldir</c>, <c>--wal-segsize</c>).</summary>
    public IReadOnlyList<string> InitDbArguments { get; init; } = [];

    /// <summary>
    /// Extra server settings (name to value) written into the console's include file on every start, after the console's own;
    /// tests use them for small WAL limits. Names must be plain setting names.
    /// </summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();
}
