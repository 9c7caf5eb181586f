namespace OpsConsole.Core.Data;

/// <summary>What the host knows about its own database; read by /health/ready and the System page.</summary>
public sealed class DatabaseState
{
    private volatile bool _migrationsApplied;
    private volatile string? _lastError;

    public bool MigrationsApplied => _migrationsApplied;

    public string? LastError => _lastError;

    public void MarkMigrated()
    {
        _lastError = null;
        _migrationsApplied = true;
    }

    public void MarkFailed(string error) => _lastError = error;
}
