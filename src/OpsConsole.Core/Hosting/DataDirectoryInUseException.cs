namespace OpsConsole.Core.Hosting;

/// <summary>Another live process holds the data directory's lock (a running console); its cluster is not ours to start or stop.</summary>
public sealed class DataDirectoryInUseException : EmbeddedPostgresException
{
    public DataDirectoryInUseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
